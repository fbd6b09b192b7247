"""The simulated gateway's ledger in billing's database: survives restarts, shared by replicas.

See `simulated_ledger` for what the ledger keeps and why; this is where it keeps it in a
running service.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from billing.adapters.gateways.port import ChargeRequest, ChargeResult
from billing.adapters.gateways.simulated_ledger import ScheduledCard
from billing.adapters.orm import simulated_card_updates, simulated_charges, simulated_refusals
from shared.concurrency import GroupCommit
from shared.db.upsert import insert_for, upsert


def _result(row: object) -> ChargeResult:
    return ChargeResult(
        succeeded=bool(row.succeeded),  # type: ignore[attr-defined]
        gateway_reference=row.reference,  # type: ignore[attr-defined]
        decline_code=row.decline_code,  # type: ignore[attr-defined]
        decline_message=row.decline_message,  # type: ignore[attr-defined]
    )


@dataclass(frozen=True)
class _Outcome:
    """A charge's outcome, to be kept as its key's first unless another was first."""

    request: ChargeRequest
    result: ChargeResult
    sent_at: datetime

    @property
    def key(self) -> str:
        return self.request.idempotency_key

    def row(self) -> dict[str, object]:
        request, result = self.request, self.result
        return {
            "idempotency_key": request.idempotency_key,
            "reference": result.gateway_reference or "",
            "succeeded": result.succeeded,
            "decline_code": result.decline_code,
            "decline_message": result.decline_message,
            "gateway_customer": request.gateway_customer,
            "payment_method": request.gateway_payment_method,
            "amount_amount": request.amount.amount,
            "amount_currency": request.amount.currency,
            "first_sent_at": self.sent_at,
            "sends": 1,
        }


class SqlLedger:
    """Billing's database: survives restarts and is shared by replicas.

    A renewal day's charges arrive dozens at a time, and each reads its key and records
    its outcome: those who are waiting together share one transaction for each of the two
    (`GroupCommit`), which is what lets a benchmark of billing measure billing rather
    than this stand-in for the gateway's books. Every send of a key is counted, also when
    two senders raced with the same key and the second's outcome was not kept: that count
    is the evidence the fault suite reads that a charge had one sender.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._replays: GroupCommit[str, ChargeResult | None] = GroupCommit(self._replay_many)
        self._records: GroupCommit[_Outcome, ChargeResult] = GroupCommit(self._record_many)

    async def replay(self, key: str) -> ChargeResult | None:
        return await self._replays.submit(key)

    async def record(self, request: ChargeRequest, result: ChargeResult, sent_at: datetime) -> ChargeResult:
        return await self._records.submit(_Outcome(request, result, sent_at))

    async def _stored(self, conn: AsyncConnection, keys: Iterable[str]) -> dict[str, ChargeResult]:
        t = simulated_charges
        rows = (await conn.execute(select(t).where(t.c.idempotency_key.in_(sorted(set(keys)))))).all()
        return {row.idempotency_key: _result(row) for row in rows}

    async def _count_sends(self, conn: AsyncConnection, keys: list[str]) -> None:
        """One more send for each of `keys` (a key may be there more than once)."""
        t = simulated_charges
        by_times: dict[int, list[str]] = defaultdict(list)
        for key, times in Counter(keys).items():
            by_times[times].append(key)
        for times, same in by_times.items():
            await conn.execute(update(t).where(t.c.idempotency_key.in_(same)).values(sends=t.c.sends + times))

    async def _replay_many(self, keys: list[str]) -> list[ChargeResult | None]:
        async with self.engine.begin() as conn:
            stored = await self._stored(conn, keys)
            if stored:
                await self._count_sends(conn, [key for key in keys if key in stored])
        return [stored.get(key) for key in keys]

    async def _record_many(self, outcomes: list[_Outcome]) -> list[ChargeResult]:
        """Keep each key's first outcome; a key recorded before (or twice in this group)
        answers the outcome that stands, and counts as one more send."""
        first: dict[str, _Outcome] = {}
        for outcome in outcomes:
            first.setdefault(outcome.request.idempotency_key, outcome)
        t = simulated_charges
        async with self.engine.begin() as conn:
            statement = insert_for(conn.dialect.name, t).on_conflict_do_nothing(
                index_elements=[t.c.idempotency_key]
            )
            rows = [o.row() for o in first.values()]  # many parameter sets: compiled once, sent in batches
            kept = set((await conn.execute(statement.returning(t.c.idempotency_key), rows)).scalars())
            lost = [o for o in outcomes if o.request.idempotency_key not in kept or first[o.key] is not o]
            stored = await self._stored(conn, {o.key for o in lost}) if lost else {}
            if lost:
                await self._count_sends(conn, [o.key for o in lost])
        return [o.result if first[o.key] is o and o.key in kept else stored[o.key] for o in outcomes]

    async def refused(self, gateway_customer: str, method: str) -> int:
        t = simulated_refusals
        async with self.engine.connect() as conn:
            found = await conn.execute(
                select(t.c.refused).where(
                    t.c.gateway_customer == gateway_customer, t.c.payment_method == method
                )
            )
            return int(found.scalar_one_or_none() or 0)

    async def count_refusal(self, gateway_customer: str, method: str) -> None:
        t = simulated_refusals
        async with self.engine.begin() as conn:
            values = {"gateway_customer": gateway_customer, "payment_method": method, "refused": 1}
            await upsert(
                conn, t, values, key=["gateway_customer", "payment_method"], set_={"refused": t.c.refused + 1}
            )

    async def schedule(self, card: ScheduledCard) -> bool:
        values = {
            "gateway_customer": card.gateway_customer,
            "old_payment_method": card.old_payment_method,
            "new_payment_method": card.new_payment_method,
            "due_at": card.due_at,
        }
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(simulated_card_updates).values(**values))
        except IntegrityError:
            return False
        return True

    async def take_due(self, now: datetime) -> list[ScheduledCard]:
        t = simulated_card_updates
        async with self.engine.begin() as conn:
            rows = (await conn.execute(select(t).where(t.c.delivered_at.is_(None), t.c.due_at <= now))).all()
            due = [
                ScheduledCard(r.gateway_customer, r.old_payment_method, r.new_payment_method, r.due_at)
                for r in rows
            ]
            for card in due:
                await conn.execute(
                    update(t)
                    .where(
                        t.c.gateway_customer == card.gateway_customer,
                        t.c.old_payment_method == card.old_payment_method,
                        t.c.delivered_at.is_(None),
                    )
                    .values(delivered_at=now)
                )
            return due

    async def count_cards(self) -> int:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(simulated_card_updates.c.new_payment_method))
            return len(rows.all())
