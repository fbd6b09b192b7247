"""The credentials each route accepts, as OpenAPI security schemes.

Declared as FastAPI `Security` dependencies, so the document names them per route from
the code that checks them: a route guarded by `ApiKeys.require("admin")` documents the
admin key, one guarded by `admin_or_portal` documents the admin key or a portal token,
and a new route is documented the moment it is guarded. The schemes only document:
they never refuse (`auto_error=False`); the checks in `auth.py` and `portal_auth.py` do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

ADMIN_KEY = HTTPBearer(
    scheme_name="adminKey",
    description="`ADMIN_API_KEY`, for the write APIs and everything an operator does.",
    auto_error=False,
)
FINANCE_KEY = HTTPBearer(
    scheme_name="financeKey",
    description="`FINANCE_API_KEY`, for the finance reports; it opens nothing else.",
    auto_error=False,
)
PORTAL_TOKEN = HTTPBearer(
    scheme_name="portalToken",
    bearerFormat="signed portal session token",
    description=(
        "The token of a portal session (`POST /v1/portal-sessions` on billing): signed, "
        "expiring, and acting for its one customer only."
    ),
    auto_error=False,
)

# Parameter types for the guarding dependencies: the parameter is there only so that the
# route's OpenAPI operation lists the scheme; its value is never read.
AdminKeyDoc = Annotated[HTTPAuthorizationCredentials | None, Security(ADMIN_KEY)]
FinanceKeyDoc = Annotated[HTTPAuthorizationCredentials | None, Security(FINANCE_KEY)]
PortalTokenDoc = Annotated[HTTPAuthorizationCredentials | None, Security(PORTAL_TOKEN)]
