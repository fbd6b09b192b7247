"""`bounded_map`: every item done, in order, never more than the limit at once.
`GroupCommit`: callers waiting together share one write, and each gets its own answer."""

from __future__ import annotations

import asyncio

from shared.concurrency import GroupCommit, bounded_map


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


async def test_callers_waiting_together_share_one_write_and_each_gets_its_own_answer() -> None:
    writes: list[list[int]] = []

    async def write(items: list[int]) -> list[int]:
        writes.append(items)
        await asyncio.sleep(0.01)
        return [n * 10 for n in items]

    group = GroupCommit(write)
    first = await asyncio.gather(*(group.submit(n) for n in range(5)))
    later = await group.submit(7)

    assert first == [0, 10, 20, 30, 40]
    assert later == 70
    assert writes == [[0, 1, 2, 3, 4], [7]]


async def test_what_arrives_during_a_write_goes_in_the_next_one_and_no_write_exceeds_the_limit() -> None:
    writes: list[list[int]] = []

    async def write(items: list[int]) -> list[int]:
        writes.append(items)
        await asyncio.sleep(0.01)
        return items

    group = GroupCommit(write, most=3)

    async def late(n: int) -> int:
        await asyncio.sleep(0.005)  # while the first write is under way
        return await group.submit(n)

    answers = await asyncio.gather(*(group.submit(n) for n in range(4)), late(10), late(11))

    assert answers == [0, 1, 2, 3, 10, 11]
    assert writes == [[0, 1, 2], [3, 10, 11]]


async def test_a_failed_write_fails_every_caller_of_its_group_and_the_next_group_still_writes() -> None:
    async def write(items: list[int]) -> list[int]:
        if 0 in items:
            raise ConnectionError("the database went away")
        return items

    group = GroupCommit(write)
    failed = await asyncio.gather(group.submit(0), group.submit(1), return_exceptions=True)

    assert [type(answer) for answer in failed] == [ConnectionError, ConnectionError]
    assert await group.submit(2) == 2
