"""The period a finance report covers, as `from` and `to` query parameters.

Dunning's and pause's reports take the same two parameters and must refuse the same
mistakes with the same 422, naming the parameter, so finance learns one rule. What an
absent bound means differs per report (dunning: everything; pause: up to now), so each
caller passes its own defaults in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query
from pydantic import BeforeValidator

from shared.http.errors import ApiError

BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)
"""Before any subscription this system has billed: an absent `from` means all of them."""
END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)
"""After anything that will be billed: an absent `to` in an unbounded report."""


def _written_out(value: object) -> object:
    """pydantic reads a number as seconds since 1970, so `?from=0.5` would quietly be a
    report from the epoch; a period's edge must be a time as finance writes it."""
    try:
        datetime.fromisoformat(value if isinstance(value, str) else "")
    except ValueError:
        raise ValueError("expected an RFC 3339 time, e.g. 2026-01-01T00:00:00Z") from None
    return value


PeriodEdge = Annotated[datetime, BeforeValidator(_written_out)]
From = Annotated[PeriodEdge | None, Query(alias="from")]
"""`?from=`, the first moment of a report's period."""
To = Annotated[PeriodEdge | None, Query(alias="to")]
"""`?to=`, the moment the period ends (not included)."""


@dataclass(frozen=True)
class ReportPeriod:
    """`[start, end)`; both aware, `end` after `start`."""

    start: datetime
    end: datetime

    @classmethod
    def parse(
        cls,
        start: datetime | None,
        end: datetime | None,
        *,
        default_end: datetime,
        default_start: datetime = BEGINNING,
    ) -> ReportPeriod:
        """Naive times are refused rather than guessed: a report's edges move by hours
        with the time zone, and finance reconciles against its bank to the day."""
        begin, until = start or default_start, end or default_end
        for name, value in (("from", begin), ("to", until)):
            if value.tzinfo is None:
                raise ApiError(
                    422, "invalid_request", f"{name}: give a time zone, e.g. 2026-01-01T00:00:00Z", name
                )
        if until <= begin:
            raise ApiError(422, "invalid_request", "to: must be after from", "to")
        return cls(begin, until)
