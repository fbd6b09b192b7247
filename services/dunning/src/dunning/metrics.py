"""Dunning's own metrics: the messages the notifier delivered, and the cases by state.

The notifier delivers what both dunning and pause ask for, so its template label knows
both services' templates; anything else is counted as `unknown` (`shared.metrics`).
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import Counter, Gauge

from dunning.domain.case_facts import CaseStatus
from dunning.domain.decisions import BEACH_OFFER_TEMPLATE, CARD_UPDATE_TEMPLATES, HARD_DECLINE_TEMPLATE
from dunning.service_layer.messages import CARD_EXPIRING_TEMPLATE
from shared.contracts.dunning import CaseOutcome
from shared.metrics import LabelValues

PAUSE_TEMPLATES = ("pause.resume_reminder",)
"""Asked for by the pause service (`pause.service_layer.schedule`)."""

NOTIFICATIONS_SENT = Counter(
    "notifications_sent_total",
    "Messages the notifier delivered (by mail, or to a file under `make run`), by template: dunning's "
    "reminders, offers and card heads-ups, and pause's resume reminders.",
    ["template"],
)
TEMPLATES = LabelValues(
    "notifications_sent_total",
    "template",
    [
        *CARD_UPDATE_TEMPLATES,
        HARD_DECLINE_TEMPLATE,
        BEACH_OFFER_TEMPLATE,
        CARD_EXPIRING_TEMPLATE,
        *PAUSE_TEMPLATES,
    ],
)

DUNNING_CASES = Gauge(
    "dunning_cases",
    "Dunning cases by state: `open`, or the outcome a closed case ended with (recovered, paused, "
    "canceled, written_off).",
    ["state"],
)
CASE_STATES = LabelValues("dunning_cases", "state", [CaseStatus.OPEN.value, *(o.value for o in CaseOutcome)])


def count_sent(template_id: str) -> None:
    NOTIFICATIONS_SENT.labels(TEMPLATES(template_id)).inc()


def set_case_states(counts: Mapping[str, int]) -> None:
    """`counts` by state as stored; every known state is set (0 when none), so a state
    that empties reads 0 rather than its last count."""
    by_state = dict.fromkeys(CASE_STATES.known, 0)
    for state, count in counts.items():
        label = CASE_STATES(state)
        by_state[label] = by_state.get(label, 0) + count
    for state, count in by_state.items():
        DUNNING_CASES.labels(state).set(count)
