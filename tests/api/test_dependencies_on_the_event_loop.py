"""No route waits for a worker thread before its handler runs.

FastAPI runs a dependency written as a plain `def` on a thread of its pool, and hands
the answer back to the event loop: on these 2 cores four such hops (the admin-key check
among them) were a third of the CPU a read of one subscription cost. The checks only
compare keys and verify a token, so they are coroutines; this finds one that is not,
in any route of any service, the day it is added.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from tests.api.world import services


def _on_a_thread(dependant: Dependant) -> Iterator[str]:
    for dependency in dependant.dependencies:
        call = dependency.call
        # a class instance (HTTPBearer) is called through its type's __call__
        if call is not None and not (
            inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(type(call).__call__)
        ):
            yield getattr(call, "__qualname__", repr(call))
        yield from _on_a_thread(dependency)


@pytest.mark.parametrize("service", ["billing", "dunning", "pause"])
def test_every_dependency_and_handler_of_every_route_is_a_coroutine(service: str, tmp_path: Path) -> None:
    urls = {name: f"sqlite:///{tmp_path / name}.db" for name in ("billing", "dunning", "pause")}
    app = services(urls, "test")[service].app()
    walked, threaded = 0, []
    for context in iter_route_contexts(app.routes):
        route = context.route
        if not isinstance(route, APIRoute):
            continue  # the documentation pages FastAPI adds itself
        walked += 1
        found = list(_on_a_thread(route.dependant))
        if not inspect.iscoroutinefunction(route.endpoint):
            found.append(route.endpoint.__qualname__)
        threaded += [f"{context.path}: {name}" for name in found]
    assert walked > 5, "the routes were not found"
    assert not threaded, "these run on a worker thread; make them `async def`: " + ", ".join(threaded)
