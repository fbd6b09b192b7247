"""API-key auth: `Authorization: Bearer <key>`.

Keys are compared in constant time and never logged. A missing or unknown key gets
401; a valid key of the wrong kind (finance calling an admin API) gets 403.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import HTTPException, Request

from shared.http.security import AdminKeyDoc, FinanceKeyDoc

Role = Literal["admin", "finance"]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class ApiKeys:
    def __init__(self, *, admin: str, finance: str) -> None:
        self._keys: dict[Role, str] = {"admin": admin, "finance": finance}

    def role_of(self, token: str | None) -> Role | None:
        if token is None:
            return None
        for role, key in self._keys.items():
            if hmac.compare_digest(token.encode(), key.encode()):
                return role
        return None

    def require(self, role: Role) -> Callable[..., Awaitable[Role]]:
        """A FastAPI dependency that lets only `role` through (and documents that it does)."""

        def check(request: Request) -> Role:
            found = self.role_of(bearer_token(request))
            if found is None:
                raise HTTPException(401, "missing or invalid API key", headers={"WWW-Authenticate": "Bearer"})
            if found != role:
                raise HTTPException(403, f"this endpoint needs the {role} API key")
            return found

        async def admin(request: Request, _documented: AdminKeyDoc) -> Role:
            return check(request)

        async def finance(request: Request, _documented: FinanceKeyDoc) -> Role:
            return check(request)

        return admin if role == "admin" else finance
