"""The shared test clock: simulated time that every service agrees on (`CLOCK=test`).

Billing coordinates (`coordinator`); every service instance takes part (`participant`)
and keeps its simulated time in its own database; what the coordinator and its replicas
share lives in billing's database (`shared_state`).
"""

from shared.test_clock.coordinator import Advance, ClockCoordinator, ClockStatus
from shared.test_clock.participant import (
    ClockParticipant,
    ClockStore,
    DatabaseFacts,
    Registrar,
    http_registration,
    participant_router,
)
from shared.test_clock.routes import coordinator_router
from shared.test_clock.shared_state import MemoryClockBook, SqlClockBook
from shared.test_clock.state import ParticipantState, is_quiet

__all__ = [
    "Advance",
    "ClockCoordinator",
    "ClockParticipant",
    "ClockStatus",
    "ClockStore",
    "DatabaseFacts",
    "MemoryClockBook",
    "ParticipantState",
    "Registrar",
    "SqlClockBook",
    "coordinator_router",
    "http_registration",
    "is_quiet",
    "participant_router",
]
