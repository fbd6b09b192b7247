"""idempotency keys remember the route they were first used on

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from shared.db.migration_ops import scope_idempotency_keys_by_route, unscope_idempotency_keys

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    scope_idempotency_keys_by_route()


def downgrade() -> None:
    unscope_idempotency_keys()
