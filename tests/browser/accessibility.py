"""axe-core in the page: no serious or critical accessibility violation.

axe-core is the npm package pinned in `tools/axe/package-lock.json` (`make test`
installs it with `npm ci`, as it does the AsyncAPI parser). Its script is read from
disk and evaluated through the browser's DevTools channel, so no page loads anything
from the internet and the pages' own Content-Security-Policy stays as it is.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parents[2] / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def _require_axe() -> None:
    if AXE.exists():
        return
    reason = f"{AXE} is missing (`make test` installs it with npm ci in tools/axe)"
    if os.environ.get("REQUIRE_REAL_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


async def assert_accessible(page: Any, where: str) -> None:
    """Runs axe over the page as it stands; fails listing each serious or critical rule."""
    _require_axe()
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(_axe_source())
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    serious = [v for v in result if v["impact"] in SERIOUS]
    assert not serious, f"{where}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in serious
    )
