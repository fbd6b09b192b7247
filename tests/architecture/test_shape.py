"""The shape the code promises a newcomer, measured: small modules, short functions, and
routes that only translate (build a message, ask the bus, answer).

These are limits the design relies on, not style preferences: a route over fifteen
lines is doing a use case's work, and a module over 250 lines holds more than one thing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = [ROOT / "shared" / "src", *sorted((ROOT / "services").glob("*/src")), ROOT / "simulator" / "src"]
MODULE_LINES, FUNCTION_LINES, ROUTE_LINES = 250, 50, 15
VERBS = {"get", "post", "put", "patch", "delete"}
Function = ast.FunctionDef | ast.AsyncFunctionDef


def product_modules() -> Iterator[Path]:
    for root in PRODUCT:
        yield from (p for p in root.rglob("*.py") if "migrations" not in p.parts)


def functions(tree: ast.AST) -> Iterator[Function]:
    yield from (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))


def body_lines(function: Function) -> int:
    """Lines of the body, without its docstring."""
    body = function.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return 0 if not body else (body[-1].end_lineno or 0) - body[0].lineno + 1


def routes(tree: ast.AST) -> Iterator[Function]:
    """Functions decorated `@router.<verb>(...)`, and methods handed to `add_api_route`."""
    registered = {
        call.args[1].attr
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "add_api_route"
        and len(call.args) > 1
        and isinstance(call.args[1], ast.Attribute)
    }
    for function in functions(tree):
        decorated = any(
            isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in VERBS
            for d in function.decorator_list
        )
        if decorated or function.name in registered:
            yield function


def test_the_limits_are_measured_on_the_whole_product() -> None:
    modules = list(product_modules())
    assert len(modules) > 150, "the walk found the services' code"
    assert sum(1 for m in modules for _ in routes(ast.parse(m.read_text()))) > 40, "and their routes"


def test_no_product_module_is_over_250_lines() -> None:
    long = {
        str(m.relative_to(ROOT)): n
        for m in product_modules()
        if (n := len(m.read_text().splitlines())) > MODULE_LINES
    }
    assert long == {}


def test_no_product_function_is_over_50_lines() -> None:
    long = {
        f"{m.relative_to(ROOT)}:{f.name}": n
        for m in product_modules()
        for f in functions(ast.parse(m.read_text()))
        if (n := (f.end_lineno or 0) - f.lineno + 1) > FUNCTION_LINES
    }
    assert long == {}


@pytest.mark.parametrize("service", ["billing", "dunning", "pause"])
def test_no_route_body_is_over_15_lines(service: str) -> None:
    entrypoints = ROOT / "services" / service / "src" / service / "entrypoints"
    long = {
        f"{m.relative_to(ROOT)}:{f.name}": n
        for m in entrypoints.rglob("*.py")
        for f in routes(ast.parse(m.read_text()))
        if (n := body_lines(f)) > ROUTE_LINES
    }
    assert long == {}


@pytest.mark.parametrize("service", ["billing", "dunning", "pause"])
def test_routes_read_no_environment_and_run_no_sql(service: str) -> None:
    """Settings come from settings.py; SQL lives in adapters."""
    entrypoints = ROOT / "services" / service / "src" / service / "entrypoints"
    offenders = [
        str(m.relative_to(ROOT))
        for m in entrypoints.rglob("*.py")
        if "os.environ" in (text := m.read_text()) or "from sqlalchemy" in text
    ]
    assert offenders == []
