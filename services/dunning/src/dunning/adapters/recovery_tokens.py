"""Recovery tokens in dunning's database, found by their hash."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dunning.adapters.orm import recovery_tokens
from dunning.domain.recovery_link import RecoveryToken


class SqlRecoveryTokens:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add(self, token: RecoveryToken) -> None:
        await self.connection.execute(
            insert(recovery_tokens).values(
                token_hash=token.token_hash,
                customer_id=token.customer_id,
                case_id=token.case_id,
                issued_at=token.issued_at,
                revoked_at=token.revoked_at,
            )
        )

    async def get(self, token_hash: str) -> RecoveryToken | None:
        t = recovery_tokens
        row = (await self.connection.execute(select(t).where(t.c.token_hash == token_hash))).first()
        if row is None:
            return None
        return RecoveryToken(row.token_hash, row.customer_id, row.case_id, row.issued_at, row.revoked_at)
