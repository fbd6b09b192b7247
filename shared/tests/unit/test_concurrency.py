"""`bounded_map`: every item done, in order, never more than the limit at once."""

from __future__ import annotations

import asyncio

from shared.concurrency import bounded_map


async def test_every_item_is_done_in_order_with_at_most_the_limit_running() -> None:
    running, most = 0, 0

    async def square(n: int) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01 * (n % 3))
        running -= 1
        return n * n

    assert await bounded_map(square, range(20), at_once=4) == [n * n for n in range(20)]
    assert most == 4
