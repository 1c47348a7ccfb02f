from synclead.bench.stats import Histogram


def test_percentiles_and_merging() -> None:
    a, b = Histogram(), Histogram()
    a.extend([1.0, 2.0, 3.0])
    b.extend([4.0, 100.04])
    a.merge(Histogram.from_json(b.to_json()))
    assert a.total == 5
    assert (a.percentile(50), a.percentile(80), a.percentile(99), a.max()) == (3.0, 4.0, 100.0, 100.0)
    assert Histogram().percentile(50) is None
