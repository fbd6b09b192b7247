"""Every event and command type, by its CloudEvents `type`.

Consumers look a message's type up here to validate its `data`; the schema export and
the AsyncAPI document are generated from the same list, so they cannot drift apart.
"""

from __future__ import annotations

from shared.contracts.base import EventData, Topic
from shared.contracts.billing import BILLING_EVENTS
from shared.contracts.commands import BILLING_COMMANDS
from shared.contracts.dunning import DUNNING_EVENTS
from shared.contracts.notifications import NOTIFICATIONS
from shared.contracts.pause import PAUSE_EVENTS

ALL_TYPES: tuple[type[EventData], ...] = (
    *BILLING_EVENTS,
    *DUNNING_EVENTS,
    *PAUSE_EVENTS,
    *BILLING_COMMANDS,
    *NOTIFICATIONS,
)

BY_TYPE: dict[str, type[EventData]] = {cls.event_type: cls for cls in ALL_TYPES}


def types_on(topic: Topic) -> list[type[EventData]]:
    return [cls for cls in ALL_TYPES if cls.topic is topic]


def data_model(event_type: str) -> type[EventData] | None:
    return BY_TYPE.get(event_type)
