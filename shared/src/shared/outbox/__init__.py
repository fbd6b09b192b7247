"""The transactional outbox: events are stored with the state change that caused them."""

from shared.outbox.relay import OutboxRelay
from shared.outbox.store import Outbox, OutboxRow

__all__ = ["Outbox", "OutboxRelay", "OutboxRow"]
