"""Lift against the holdout, on examples worked out by hand (Welch's t interval)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dunning.adapters.lift import Arm, difference, lifts


def test_the_recovery_rate_lift_of_60_against_40_in_100_is_20_points_from_6_to_34() -> None:
    # Sample variances 0.24 * 100/99 each, standard error 0.06963, 198 degrees of freedom
    # (t = 1.9720): 0.2 +- 0.1373.
    found = difference({1: 60, 0: 40}, {1: 40, 0: 60})

    assert found is not None
    assert found.estimate == pytest.approx(0.2)
    assert (found.low, found.high) == pytest.approx((0.0627, 0.3373), abs=1e-4)


def test_recovered_revenue_per_case_is_compared_in_each_currency_alone() -> None:
    gentle = Arm(cases=4, recovered=3, recovered_amounts={"USD": {1500: 3, 0: 1}, "JPY": {2000: 1}})
    holdout = Arm(cases=4, recovered=1, recovered_amounts={"USD": {1500: 1, 0: 3}})

    [lift] = lifts({"gentle": gentle, "holdout": holdout})

    assert (lift.variant, lift.cases, lift.holdout_cases) == ("gentle", 4, 4)
    assert lift.recovery_rate.estimate == pytest.approx(0.5)
    [usd] = lift.recovered_per_case  # no JPY holdout case: nothing to compare against
    # 1125 - 375 = 750 per case; both sample variances 562,500, standard error 530.33,
    # 6 degrees of freedom (t = 2.4469): 750 +- 1297.7.
    assert (usd.currency, usd.estimate) == ("USD", 750)
    assert (usd.low, usd.high) == pytest.approx((-547.7, 2047.7), abs=0.1)


def test_there_is_no_lift_without_holdout_cases_and_no_interval_without_spread() -> None:
    everyone = Arm(cases=3, recovered=3, recovered_amounts={"EUR": {1400: 3}})

    assert lifts({"gentle": everyone}) == []
    [lift] = lifts({"gentle": everyone, "holdout": everyone})
    assert (lift.recovery_rate.estimate, lift.recovery_rate.low, lift.recovery_rate.high) == (0, None, None)


def test_a_dunning_process_loads_numpy_and_scipy_only_when_a_report_asks_for_lift() -> None:
    """They are about 70 MB of every dunning process, which mostly consumes events."""
    probe = (
        "import sys; from dunning.bootstrap import bootstrap; import dunning.entrypoints; "
        "loaded = {'numpy', 'scipy'} & set(sys.modules); "
        "from dunning.adapters.lift import difference; difference({1: 3, 0: 1}, {1: 1, 0: 3}); "
        "print(sorted(loaded), sorted({'numpy', 'scipy'} & set(sys.modules)))"
    )
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert answer.stdout.split() == ["[]", "['numpy',", "'scipy']"]
