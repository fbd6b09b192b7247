"""Mean and 95% confidence interval over seeds, with Student's t for few seeds.

One seed is one draw of the world; only the spread over several says whether a
difference between policies is larger than luck.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}


@dataclass(frozen=True)
class Estimate:
    mean: float
    half_width: float
    n: int


def estimate(values: Sequence[float]) -> Estimate:
    n = len(values)
    if n == 0:
        return Estimate(0.0, 0.0, 0)
    mean = sum(values) / n
    if n == 1:
        return Estimate(mean, 0.0, 1)
    variance = sum((v - mean) ** 2 for v in values) / (n - 1)
    t = _T95.get(n - 1, 1.96 if n > 30 else 2.042)
    return Estimate(mean, t * math.sqrt(variance / n), n)
