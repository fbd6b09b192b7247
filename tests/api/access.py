"""Who may call each route: the table the authorisation matrix checks the apps against.

Written by hand on purpose: it is what we promise (README, DESIGN), so the test compares
the code with the promise, not the code with itself. A route the apps serve that has no
line here is still walked, with the callers its OpenAPI operation's security schemes
name (the guards declare those themselves), or, for a page, the portal's or the
dashboard's session by its prefix; a route with neither fails the matrix, which says
which line to add.

Path parameters are filled from `World.ids` by their name (`customer_id` is customer
A's), unless `ids` names another seeded thing; everything named belongs to customer A.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ANYONE = frozenset({"*"})
NOBODY = frozenset[str]()
ADMIN = frozenset({"admin key"})
FINANCE = frozenset({"finance key"})
CUSTOMER_A = frozenset({"portal token of A", "portal cookie of A"})
ADMIN_OR_A = ADMIN | CUSTOMER_A
PORTAL_PAGE = frozenset({"portal cookie of A"})
DASHBOARD = frozenset({"dashboard session"})


@dataclass(frozen=True)
class Access:
    allowed: frozenset[str]
    """The callers that must be let through; every other kind must not get a 2xx."""
    body: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    query: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    changes_state: bool = False
    """The first caller let through changes what the route acts on (a pause starts), so
    the ones after it may be told 409 or 422 ("already canceled", "at most 3 months")
    for that reason, never refused for who they are."""
    let_through: frozenset[int] = frozenset()
    """Statuses besides 2xx that still mean "let through": the route's own answer after
    the caller was accepted (the simulated gateway has no card setup: 409)."""
    past_the_guard: frozenset[int] = frozenset()
    """Statuses that, for an allowed caller only, mean the guard let it in and the route
    then judged the request: for a route walked from its document alone, without the
    body or the ids it would need (a 422 for the missing body, a 404 for an unknown id)."""


PROBES = {
    ("GET", "/healthz"): Access(ANYONE),
    # No broker runs beside the matrix, so readiness says 503 with its reasons.
    ("GET", "/readyz"): Access(ANYONE, let_through=frozenset({503})),
    ("GET", "/metrics"): Access(ANYONE),
}
PARTICIPANT_CLOCK = {
    ("GET", "/v1/test-clock/state"): Access(ADMIN),
    ("POST", "/v1/test-clock/set"): Access(ADMIN, body={"now": "{now}"}),
}

BILLING = {
    **PROBES,
    ("POST", "/v1/customers"): Access(ADMIN, body={"email": "c@example.com", "name": "C", "timezone": "UTC"}),
    ("GET", "/v1/customers/{customer_id}"): Access(ADMIN),
    ("PATCH", "/v1/customers/{customer_id}"): Access(ADMIN_OR_A, body={"locale": "fr"}),
    ("POST", "/v1/customers/{customer_id}/payment-methods"): Access(
        ADMIN_OR_A, body={"payment_method": "pm_card_visa"}
    ),
    ("POST", "/v1/customers/{customer_id}/card-setups"): Access(ADMIN_OR_A, let_through=frozenset({409})),
    ("GET", "/v1/customers/{customer_id}/payment-methods"): Access(ADMIN_OR_A),
    # No card of A's has this id: past the guard, the route says so.
    ("POST", "/v1/customers/{customer_id}/payment-methods/{payment_method_id}/default"): Access(
        ADMIN_OR_A, past_the_guard=frozenset({404})
    ),
    ("DELETE", "/v1/customers/{customer_id}/payment-methods/{payment_method_id}"): Access(
        ADMIN_OR_A, past_the_guard=frozenset({404})
    ),
    ("POST", "/v1/plans"): Access(
        ADMIN, body={"code": "basic", "name": "Basic", "amount": 500, "currency": "USD", "interval": "month"}
    ),
    ("GET", "/v1/plans/{code}"): Access(ADMIN),
    ("POST", "/v1/subscriptions"): Access(ADMIN, body={"customer_id": "{customer_id}", "plan_code": "pro"}),
    ("GET", "/v1/subscriptions/{subscription_id}"): Access(ADMIN),
    ("POST", "/v1/subscriptions/{subscription_id}/cancel"): Access(ADMIN, body={}, changes_state=True),
    ("GET", "/v1/invoices"): Access(ADMIN_OR_A, query="subscription_id={subscription_id}"),
    ("GET", "/v1/invoices/{invoice_id}"): Access(ADMIN_OR_A),
    ("POST", "/v1/portal-sessions"): Access(ADMIN, body={"customer_id": "{customer_id}"}),
    # Stripe's signature is its credential; none of ours opens it.
    ("POST", "/v1/webhooks/stripe"): Access(NOBODY, body={"type": "setup_intent.succeeded"}),
    ("GET", "/v1/test-clock"): Access(ADMIN),
    ("POST", "/v1/test-clock/advance"): Access(ADMIN, body={"seconds": 1}),
    ("POST", "/v1/test-clock/participants"): Access(
        ADMIN, body={"service": "matrix", "url": "http://127.0.0.1:9/"}
    ),
    **PARTICIPANT_CLOCK,
}

DUNNING = {
    **PROBES,
    ("GET", "/v1/customers/{customer_id}"): Access(ADMIN),
    ("GET", "/v1/dunning/cases"): Access(FINANCE),
    # A customer reads their own case; finance and the admin key read every case.
    ("GET", "/v1/dunning/cases/{case_id}"): Access(FINANCE | ADMIN | CUSTOMER_A),
    # Only a day the case allows is taken; past the guard the date is judged (422, 409).
    ("POST", "/v1/dunning/cases/{case_id}/payment-date"): Access(
        ADMIN | CUSTOMER_A, body={"date": "2000-01-01"}, past_the_guard=frozenset({409, 422})
    ),
    # The portal (with the admin key) exchanges a recovery link; an unknown one is 404.
    ("POST", "/v1/dunning/recovery-sessions"): Access(
        ADMIN, body={"token": "rt_unknown"}, past_the_guard=frozenset({404})
    ),
    ("GET", "/v1/dunning/report"): Access(FINANCE),
    ("GET", "/v1/dunning/report.csv"): Access(FINANCE),
    # Signing in and out is for anyone: the form checks the key it is given.
    ("GET", "/dashboard/login"): Access(ANYONE),
    ("POST", "/dashboard/login"): Access(ANYONE, form={"key": "guess-me-please"}),
    ("POST", "/dashboard/logout"): Access(ANYONE),
    ("GET", "/dashboard"): Access(DASHBOARD),
    ("GET", "/dashboard/report.csv"): Access(DASHBOARD),
    ("GET", "/dashboard/cases/{case_id}"): Access(DASHBOARD),
    **PARTICIPANT_CLOCK,
}

PAUSE = {
    **PROBES,
    ("GET", "/v1/customers/{customer_id}"): Access(ADMIN),
    ("GET", "/v1/subscriptions/{subscription_id}/pause-options"): Access(ADMIN_OR_A),
    ("POST", "/v1/subscriptions/{subscription_id}/pause"): Access(
        ADMIN_OR_A, body={"months": 1}, ids={"subscription_id": "free_subscription"}, changes_state=True
    ),
    ("POST", "/v1/pauses/{pause_id}/resume"): Access(
        ADMIN_OR_A, ids={"pause_id": "pause_to_resume"}, changes_state=True
    ),
    ("POST", "/v1/pauses/{pause_id}/extend"): Access(ADMIN_OR_A, body={"months": 1}, changes_state=True),
    ("GET", "/v1/pauses"): Access(ADMIN_OR_A, query="customer_id={customer_id}"),
    ("POST", "/v1/subscriptions/{subscription_id}/cancel-intent"): Access(
        ADMIN_OR_A, body={"reason": "too_expensive"}
    ),
    ("POST", "/v1/cancel-intents/{intent_id}/confirm"): Access(ADMIN_OR_A, changes_state=True),
    ("GET", "/v1/pause/report"): Access(FINANCE),
    ("GET", "/portal"): Access(PORTAL_PAGE),
    ("GET", "/portal/subscriptions/{subscription_id}/pause"): Access(PORTAL_PAGE),
    ("GET", "/portal/subscriptions/{subscription_id}/pause/review"): Access(
        PORTAL_PAGE, query="months=1", ids={"subscription_id": "page_subscription"}
    ),
    ("POST", "/portal/subscriptions/{subscription_id}/pause"): Access(
        PORTAL_PAGE, form={"months": "1"}, ids={"subscription_id": "page_subscription"}, changes_state=True
    ),
    ("POST", "/portal/pauses/{pause_id}/resume"): Access(
        PORTAL_PAGE, ids={"pause_id": "page_pause_to_resume"}, changes_state=True
    ),
    ("POST", "/portal/pauses/{pause_id}/extend"): Access(
        PORTAL_PAGE, form={"months": "1"}, ids={"pause_id": "page_pause_to_extend"}, changes_state=True
    ),
    ("GET", "/portal/subscriptions/{subscription_id}/cancel"): Access(PORTAL_PAGE),
    ("POST", "/portal/subscriptions/{subscription_id}/cancel"): Access(
        PORTAL_PAGE, form={"reason": "too_expensive"}
    ),
    ("POST", "/portal/cancel-intents/{intent_id}/confirm"): Access(
        PORTAL_PAGE, ids={"intent_id": "page_intent_id"}, changes_state=True
    ),
    ("GET", "/portal/card"): Access(PORTAL_PAGE),
    # Billing is not running beside the matrix: the page says it could not reach it.
    ("POST", "/portal/card"): Access(
        PORTAL_PAGE, form={"payment_method": "pm_card_visa"}, let_through=frozenset({503})
    ),
    ("POST", "/portal/card/setup"): Access(PORTAL_PAGE, let_through=frozenset({502})),
    # The invoice pages read billing, which is not running here: they say so (502).
    ("GET", "/portal/invoices"): Access(PORTAL_PAGE, let_through=frozenset({502})),
    ("GET", "/portal/invoices/{invoice_id}"): Access(PORTAL_PAGE, let_through=frozenset({502})),
    # The cards pages read and change the cards at billing, which is not running here.
    ("GET", "/portal/cards"): Access(PORTAL_PAGE, let_through=frozenset({503})),
    ("POST", "/portal/cards"): Access(
        PORTAL_PAGE, form={"payment_method": "pm_card_visa"}, let_through=frozenset({503})
    ),
    ("POST", "/portal/cards/{card_id}/default"): Access(PORTAL_PAGE, let_through=frozenset({503})),
    ("POST", "/portal/cards/{card_id}/remove"): Access(PORTAL_PAGE, let_through=frozenset({503})),
    ("GET", "/portal/payment-date"): Access(PORTAL_PAGE, past_the_guard=frozenset({404, 409})),
    ("POST", "/portal/payment-date"): Access(
        PORTAL_PAGE, form={"date": "2000-01-01"}, past_the_guard=frozenset({404, 409, 422})
    ),
    **PARTICIPANT_CLOCK,
}

EXPECTED: dict[str, dict[tuple[str, str], Access]] = {"billing": BILLING, "dunning": DUNNING, "pause": PAUSE}


SCHEMES = {"adminKey": ADMIN, "financeKey": FINANCE, "portalToken": CUSTOMER_A}
PAGES = {"/portal": PORTAL_PAGE, "/dashboard": DASHBOARD}
JUDGED_AFTER_THE_GUARD = frozenset({404, 409, 422})


def from_document(path: str, operation: dict[str, Any] | None) -> Access | None:
    """The access an unlisted route declares: the union of its operation's security
    schemes, or a page's session by its prefix; None if it declares nothing."""
    schemes = [name for requirement in (operation or {}).get("security", []) for name in requirement]
    allowed = frozenset().union(*(SCHEMES[name] for name in schemes if name in SCHEMES))
    if not allowed:
        prefix = next((p for p in PAGES if path == p or path.startswith(p + "/")), None)
        allowed = PAGES[prefix] if prefix else frozenset()
    return Access(allowed, past_the_guard=JUDGED_AFTER_THE_GUARD) if allowed else None
