"""The shared test clock's coordinator, in billing: move every participant's time, step by step.

`POST /v1/test-clock/advance` moves time in steps of at most a day, and stops at every
moment some service said it has work due, so every due moment is seen in order and on
time (a retry due at 00:01 runs at 00:01). At each step the coordinator sets the time on
every participant, then waits until the whole system is quiet twice in a row: no outbox
rows waiting, no due work, no relay healing, and every service has consumed at least
what was published on its topics. Kafka's end offsets are not used (the embedded broker
reports them wrongly); the services' durable counts are.

Participants are the static peers (`DUNNING_URL`, `PAUSE_URL`) and every instance that
registered (replicas included). A step gives up only when nothing has moved for
`step_timeout` seconds, so a big renewal day takes as long as its work takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Literal

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.http.errors import ApiError
from shared.test_clock.participant import ClockParticipant
from shared.test_clock.shared_state import ClockBook, MemoryClockBook
from shared.test_clock.state import ParticipantState, is_quiet

log = logging.getLogger(__name__)
STEP = timedelta(days=1)
POLL = 0.005  # seconds between looks while settling: a look waits on the services, not the sleep
BUSY_POLL = 0.1
"""The longest wait between looks while a participant is busy: a look costs every service
queries and an HTTP answer, and looking every few milliseconds took a quarter of billing's
CPU on a renewal day, more than their consumers took of dunning's and pause's. The wait
doubles from `POLL` while the answer is no, and is `POLL` again at the first quiet look."""
HEARTBEAT = 2.0  # seconds between the runner's heartbeats, and between a replica's checks for an orphan


class Advance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: int | None = Field(default=None, ge=0, le=5 * 366 * 86400)
    to: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Advance:
        if (self.seconds is None) == (self.to is None):
            raise ValueError("give exactly one of `seconds` or `to`")
        return self


class ClockStatus(BaseModel):
    now: datetime
    status: Literal["advancing", "ready", "failed"]
    error: str | None = None


def _unanswered(url: str) -> ParticipantState:
    """A participant that did not answer (it is restarting, say) is not quiet."""
    return ParticipantState(
        service=url, now=NEVER, published={}, consumed={}, outbox_pending=0, due_work=0, answered=False
    )


NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class ClockCoordinator:
    def __init__(
        self,
        local: ClockParticipant,
        peers: Sequence[str],
        admin_key: str,
        *,
        step_timeout: float = 120,
        book: ClockBook | None = None,
        own_url: str = "",
        owner: str = "coordinator",
        client: Callable[[], httpx.AsyncClient] | None = None,
    ) -> None:
        """`client` makes the HTTP client of one advance; by default one on a TLS context made
        here, once, since building a context loads the CA bundle (a seventh of billing's CPU
        on the test clock when every advance built its own)."""
        self.local, self.static_peers = local, [p.rstrip("/") for p in peers]
        self.headers = {"Authorization": f"Bearer {admin_key}"}
        self.step_timeout = step_timeout
        self.book = book or MemoryClockBook()
        self.own_url, self.owner = own_url.rstrip("/"), owner
        self.client = client or partial(httpx.AsyncClient, timeout=30, verify=httpx.create_ssl_context())
        self._task: asyncio.Task[None] | None = None
        self._settled = asyncio.Event()
        self._settled.set()
        self._quiet: list[ParticipantState] = []

    async def _peers(self) -> list[str]:
        registered = [url.rstrip("/") for _, url in await self.book.participants()]
        return [p for p in dict.fromkeys([*self.static_peers, *registered]) if p and p != self.own_url]

    async def _ask(self, call: asyncio.Future[httpx.Response] | object, url: str) -> ParticipantState:
        try:
            answer: httpx.Response = await call  # type: ignore[misc]
            answer.raise_for_status()
            return ParticipantState.model_validate(answer.json())
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("a test clock participant did not answer", extra={"url": url, "error": str(exc)})
            return _unanswered(url)

    async def _states(self, client: httpx.AsyncClient) -> list[ParticipantState]:
        peers = await self._peers()
        local, *others = await asyncio.gather(
            self.local.state(),
            *(self._ask(client.get(f"{p}/v1/test-clock/state", headers=self.headers), p) for p in peers),
        )
        return [local, *others]

    async def _set_all(self, client: httpx.AsyncClient, moment: datetime) -> list[ParticipantState]:
        """Tell everyone the time; each answers its state as of just after the change."""
        await self.local.set(moment)
        body = {"now": moment.isoformat()}
        peers = await self._peers()
        local, *others = await asyncio.gather(
            self.local.state(),
            *(
                self._ask(client.post(f"{p}/v1/test-clock/set", json=body, headers=self.headers), p)
                for p in peers
            ),
        )
        return [local, *others]

    async def _settle(
        self, client: httpx.AsyncClient, moment: datetime, first: list[ParticipantState] | None = None
    ) -> list[ParticipantState]:
        """Wait until every participant is quiet twice in a row; answers their last states.

        `first` is a sample already taken (the states `set` answered), so a step where
        nothing came due needs only one more look. A participant behind `moment` (it
        restarted, or registered since) is told the time again.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.step_timeout
        last: list[ParticipantState] = first or []
        quiet_in_a_row = 1 if first and is_quiet(first) else 0
        pause = POLL
        while quiet_in_a_row < 2:
            if loop.time() > deadline:
                raise TimeoutError(
                    f"the system did not settle: nothing moved for {self.step_timeout:.0f}s: {last}"
                )
            await asyncio.sleep(pause)
            states = await self._states(client)
            if any(s.answered and s.now < moment for s in states):
                states = await self._set_all(client, moment)
            if states != last:
                deadline = loop.time() + self.step_timeout  # something moved: the step is alive
            if not is_quiet(states):
                quiet_in_a_row, pause = 0, min(pause * 2, BUSY_POLL)
            else:  # quiet: the second look in a row unless something moved since the last
                quiet_in_a_row, pause = (quiet_in_a_row + 1 if states == last else 1), POLL
            last = states
        self._quiet = last
        return last

    async def _still_quiet(self, client: httpx.AsyncClient) -> list[ParticipantState]:
        """The states before a step, settled.

        One look that matches the quiet states the last advance ended on is the second
        look of a pair: nothing was published, queued or made due since. Between
        advances a caller often changes nothing, so this saves a settle per day.
        """
        states = await self._states(client)
        if self._quiet and is_quiet(states) and states == self._quiet:
            return states
        return await self._settle(client, self.local.clock.now(), states)

    async def advance_to(self, target: datetime) -> None:
        async with self.client() as client:
            states = await self._still_quiet(client)
            moment = self.local.clock.now()
            while moment < target:
                upcoming = [s.next_due_at for s in states if s.next_due_at]
                moment = min([target, moment + STEP, *(d for d in upcoming if d > moment)])
                states = await self._settle(client, moment, await self._set_all(client, moment))

    async def start(self, target: datetime) -> None:
        if not await self.book.begin(target, self.owner):
            raise ApiError(409, "clock_busy", "the test clock is still advancing", "to")
        self._run(target)

    def _run(self, target: datetime) -> None:
        self._settled.clear()

        async def run() -> None:
            beating = asyncio.create_task(self._heartbeat())
            log.info("test clock advancing", extra={"target": target.isoformat()})
            try:
                await self.advance_to(target)
                await self.book.finish(self.owner, "ready", None)
                log.info("test clock ready", extra={"now": self.local.clock.now().isoformat()})
            except Exception as exc:
                log.exception("test clock advance failed")
                await self.book.finish(self.owner, "failed", f"{type(exc).__name__}: {exc}")
            finally:
                beating.cancel()
                self._settled.set()

        self._task = asyncio.create_task(run(), name="test-clock-advance")

    async def _heartbeat(self) -> None:
        while await self.book.heartbeat(self.owner):
            await asyncio.sleep(HEARTBEAT)

    async def supervise(self, stop: asyncio.Event) -> None:
        """Carry on an advance whose runner stopped (a billing replica that died)."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT)
            try:
                record = await self.book.record()
                orphan = record.orphaned(self.book.wall.now()) and self._settled.is_set()
                if orphan and record.target and await self.book.begin(record.target, self.owner):
                    log.warning("taking over a test clock advance whose runner stopped")
                    self._run(record.target)
            except Exception:
                log.exception("test clock supervision failed; trying again")

    async def wait(self, seconds: float) -> None:
        """Return once the clock stops advancing (on any replica), or after `seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            if not self._settled.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._settled.wait(), max(0.0, deadline - loop.time()))
                continue
            if (await self.book.record()).status != "advancing":
                return
            await asyncio.sleep(0.02)

    async def snapshot(self) -> ClockStatus:
        record = await self.book.record()
        await self.local.follow()
        return ClockStatus(now=self.local.clock.now(), status=record.status, error=record.error)
