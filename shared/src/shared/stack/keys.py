"""Development portal keys for `make run`: made once under ./var, never committed."""

from __future__ import annotations

import os
from pathlib import Path

from shared.portal_tokens import generate_key_pair


def dev_portal_keys(folder: Path) -> dict[str, str]:
    """PORTAL_SIGNING_KEY and PORTAL_PUBLIC_KEY from the environment, or a local pair."""
    if os.environ.get("PORTAL_SIGNING_KEY") and os.environ.get("PORTAL_PUBLIC_KEY"):
        return {k: os.environ[k] for k in ("PORTAL_SIGNING_KEY", "PORTAL_PUBLIC_KEY")}
    private, public = folder / "portal-signing-key.pem", folder / "portal-public-key.pem"
    if not (private.exists() and public.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        private_pem, public_pem = generate_key_pair()
        private.write_text(private_pem)
        private.chmod(0o600)
        public.write_text(public_pem)
    return {"PORTAL_SIGNING_KEY": private.read_text(), "PORTAL_PUBLIC_KEY": public.read_text()}
