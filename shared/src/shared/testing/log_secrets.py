"""What must never reach a log line: keys, tokens, card numbers and portal links.

Logs are copied to places with weaker access than the services (a log platform, a
ticket, a screen share), so a secret in a log is a secret leaked. The end-to-end tests
scan every line their service processes wrote, with the credentials they ran with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from shared.settings import DEV_ADMIN_API_KEY, DEV_FINANCE_API_KEY

SECRET_SETTING = re.compile(r"(KEY|SECRET|TOKEN|PASSWORD)$")
TOKEN = re.compile(r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}")  # a JWT, whoever signed it
BEARER = re.compile(r"Bearer\s+[\w.~+/-]{8,}", re.IGNORECASE)
TOKEN_IN_URL = re.compile(r"[?&](token|session|key)=[\w.~%-]{8,}", re.IGNORECASE)
RECOVERY_TOKEN = re.compile(r"\brt_[\w-]{20,}")  # a dunning message's recovery link token
PATTERNS = {
    "token": TOKEN,
    "bearer credential": BEARER,
    "credential in a URL": TOKEN_IN_URL,
    "recovery token": RECOVERY_TOKEN,
}
DIGITS = re.compile(r"(?<![\w.-])[2-6](?:[ -]?\d){12,18}(?![\w.-])")  # the networks' first digits


def luhn_valid(number: str) -> bool:
    """Card numbers carry a Luhn check digit; ids and invoice numbers almost never do."""
    digits = [int(d) for d in number][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def secrets_of(env: Mapping[str, str]) -> set[str]:
    """The credential values a stack ran with, and the development defaults."""
    values = {DEV_ADMIN_API_KEY, DEV_FINANCE_API_KEY}
    for name, value in env.items():
        if SECRET_SETTING.search(name) and len(value) >= 8:
            values.add(value)
            values.update(line for line in value.splitlines() if len(line) >= 16 and "-----" not in line)
    return values


@dataclass(frozen=True)
class Leak:
    file: str
    line: int
    kind: str

    def __str__(self) -> str:  # the kind and place, never the secret itself
        return f"{self.file}:{self.line}: {self.kind}"


def leaks_in_line(text: str, secrets: Iterable[str]) -> list[str]:
    kinds = [name for name, pattern in PATTERNS.items() if pattern.search(text)]
    if any(secret in text for secret in secrets):
        kinds.append("configured secret")
    for match in DIGITS.finditer(text):
        number = re.sub(r"[ -]", "", match.group())
        if 13 <= len(number) <= 19 and luhn_valid(number):
            kinds.append("card number")
    return kinds


def assert_no_leaks(folder: Path, env: Mapping[str, str]) -> None:
    """Every `*.log` in `folder`; the failure names the places, never the secrets."""
    leaks = leaks_in(sorted(folder.glob("*.log")), env)
    assert not leaks, "secrets in the logs: " + "; ".join(map(str, leaks[:20]))


def leaks_in(files: Iterable[Path], env: Mapping[str, str]) -> list[Leak]:
    secrets = secrets_of(env)
    found = []
    for path in files:
        with path.open(errors="replace") as lines:
            for number, text in enumerate(lines, 1):
                found += [Leak(path.name, number, kind) for kind in leaks_in_line(text, secrets)]
    return found
