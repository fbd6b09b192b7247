"""customer profiles keep the customer's language (BCP 47, English before this)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from shared.customers.tables import add_customer_locale, drop_customer_locale

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_customer_locale()


def downgrade() -> None:
    drop_customer_locale()
