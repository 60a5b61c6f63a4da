import random
import statistics

import pytest

from benchmarks.stats import percentiles_ms


def test_p95_of_twenty_samples_interpolates_instead_of_taking_the_slowest():
    p50, p95 = percentiles_ms([seconds / 1000 for seconds in range(1, 21)])  # 1..20 ms

    assert p50 == pytest.approx(10.5)
    assert p95 == pytest.approx(19.05)


def test_percentiles_agree_with_inclusive_quantiles():
    times = [random.Random(3).expovariate(100) for _ in range(137)]
    quantiles = statistics.quantiles(times, n=100, method="inclusive")

    assert percentiles_ms(times) == pytest.approx((quantiles[49] * 1000, quantiles[94] * 1000))


def test_one_sample_is_both_percentiles_and_none_is_an_error():
    assert percentiles_ms([0.25]) == (250.0, 250.0)
    with pytest.raises(ValueError):
        percentiles_ms([])
