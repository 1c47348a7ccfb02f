"""Percentiles of many small timings, kept as 0.1 ms histograms so load generators can merge them cheaply."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

RESOLUTION_MS = 0.1


class Histogram:
    def __init__(self, counts: Mapping[int, int] | None = None) -> None:
        self.counts: Counter[int] = Counter(counts or {})

    def add(self, value_ms: float) -> None:
        self.counts[round(value_ms / RESOLUTION_MS)] += 1

    def extend(self, values_ms: Iterable[float]) -> None:
        for value in values_ms:
            self.add(value)

    def merge(self, other: Histogram) -> None:
        self.counts.update(other.counts)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def percentile(self, p: float) -> float | None:
        """The value at or below which `p` percent of samples fall (nearest rank); None without samples."""
        total = self.total
        if total == 0:
            return None
        rank = max(1, math.ceil(p / 100 * total))
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return round(bucket * RESOLUTION_MS, 1)
        raise AssertionError("unreachable")

    def max(self) -> float | None:
        return round(max(self.counts) * RESOLUTION_MS, 1) if self.counts else None

    def to_json(self) -> dict[str, int]:
        return {str(k): v for k, v in self.counts.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, int]) -> Histogram:
        return cls({int(k): v for k, v in data.items()})
