"""Is a new schema a backward-compatible evolution of the committed one?

Consumers written against the committed schema must keep working, so a change may
only add: a new optional field, a new enum value, a new event type. Removing a field,
changing its type, or adding a required field breaks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    kinds: frozenset[str]
    enum: frozenset[str] | None
    required: bool


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].split("/")[-1]
        extra = {k: v for k, v in node.items() if k != "$ref"}
        node = {**root["$defs"][name], **extra}
    return node


def _variants(node: dict[str, Any], root: dict[str, Any]) -> list[dict[str, Any]]:
    node = _resolve(node, root)
    options = node.get("anyOf") or node.get("oneOf")
    if options:
        return [v for option in options for v in _variants(option, root)]
    return [node]


def _kind(node: dict[str, Any]) -> str:
    if "const" in node:
        return f"const:{node['const']}"
    if "type" in node:
        fmt = node.get("format")
        return f"{node['type']}:{fmt}" if fmt else str(node["type"])
    return "any"


def flatten(schema: dict[str, Any]) -> dict[str, Field]:
    """Every field path (`data.amount.currency`) with its types, enum and required-ness."""
    fields: dict[str, Field] = {}

    def walk(node: dict[str, Any], path: str, required: bool) -> None:
        variants = _variants(node, schema)
        enum = [str(v) for variant in variants for v in variant.get("enum", [])]
        fields[path] = Field(
            kinds=frozenset(_kind(v) for v in variants),
            enum=frozenset(enum) if enum else None,
            required=required,
        )
        nullable = any(v.get("type") == "null" for v in variants)
        for variant in variants:
            props = variant.get("properties", {})
            needed = set(variant.get("required", []))
            for name, child in props.items():
                child_path = f"{path}.{name}" if path else name
                walk(child, child_path, required and not nullable and name in needed)
            if "items" in variant:
                walk(variant["items"], f"{path}[]", False)

    walk(schema, "", True)
    return fields


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Human-readable reasons why `new` would break a consumer of `old`; empty if none."""
    before, after = flatten(old), flatten(new)
    problems = []
    for path, was in before.items():
        label = path or "(root)"
        now = after.get(path)
        if now is None:
            problems.append(f"{label}: removed")
            continue
        if was.kinds != now.kinds:
            problems.append(f"{label}: type changed from {sorted(was.kinds)} to {sorted(now.kinds)}")
        if was.enum is not None and now.enum is not None and not was.enum <= now.enum:
            problems.append(f"{label}: enum values removed: {sorted(was.enum - now.enum)}")
        if was.enum is None and now.enum is not None:
            problems.append(f"{label}: narrowed to an enum")
        if now.required and not was.required:
            problems.append(f"{label}: became required")
    for path, now in after.items():
        if path not in before and now.required:
            problems.append(f"{path}: new required field")
    return problems
