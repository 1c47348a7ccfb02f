"""What the gateway's own counters say (`GET /metrics`), to set beside what the load generators counted.

With several gateway processes one scrape sums them all, so the figures describe the whole server whichever
process answers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True, slots=True)
class Scrape:
    """Every sample of one scrape: (sample name, sorted labels) → value."""

    samples: Mapping[tuple[str, tuple[tuple[str, str], ...]], float]

    @classmethod
    def parse(cls, text: str) -> Scrape:
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }
        return cls(samples)

    def total(self, name: str, **labels: str) -> float:
        """The sum of `name`'s samples whose labels include `labels`."""
        wanted = set(labels.items())
        return sum(v for (n, ls), v in self.samples.items() if n == name and wanted <= set(ls))

    def by_label(self, name: str, label: str) -> dict[str, float]:
        found: dict[str, float] = {}
        for (n, ls), v in self.samples.items():
            value = dict(ls).get(label)
            if n == name and value is not None:
                found[value] = found.get(value, 0.0) + v
        return found


async def scrape(client: httpx.AsyncClient, url: str) -> Scrape:
    response = await client.get(url + "/metrics")
    response.raise_for_status()
    return Scrape.parse(response.text)


async def scrape_when_idle(client: httpx.AsyncClient, url: str, timeout_s: float = 5.0) -> Scrape:
    """Scrape once no call is in progress (or at `timeout_s`): a call's end is counted after its caller has
    already hung up, so the last calls can still be closing when the load generators are done."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = await scrape(client, url)
        if found.total("synclead_active_calls") == 0 or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(0.1)


def server_counts(before: Scrape, after: Scrape) -> dict[str, object]:
    """What the server counted between two scrapes: the load alone, without the warm-up calls before it."""

    def delta(name: str, **labels: str) -> int:
        return round(after.total(name, **labels) - before.total(name, **labels))

    ended_before = before.by_label("synclead_calls_ended_total", "reason")
    ended = {
        reason: round(n - ended_before.get(reason, 0.0))
        for reason, n in after.by_label("synclead_calls_ended_total", "reason").items()
    }
    voice = delta("synclead_webhook_latency_seconds_count", webhook="voice")
    voice_s = after.total("synclead_webhook_latency_seconds_sum", webhook="voice") - before.total(
        "synclead_webhook_latency_seconds_sum", webhook="voice"
    )
    return {
        "calls_started": delta("synclead_calls_started_total"),
        "calls_ended": sum(ended.values()),
        "calls_ended_by_reason": {reason: n for reason, n in sorted(ended.items()) if n},
        "outbound_frames_late": delta("synclead_outbound_frames_late_total"),
        "voice_webhooks": voice,
        # The server's side of the same requests: arrival to the response's first byte.
        "voice_webhook_ms_mean": round(voice_s / voice * 1000, 1) if voice else None,
        "status_webhooks": delta("synclead_webhook_latency_seconds_count", webhook="status"),
        "active_calls_after": round(after.total("synclead_active_calls")),
    }
