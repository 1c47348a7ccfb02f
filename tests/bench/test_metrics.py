"""The server's own counters, read from its `/metrics` text, for the load alone."""

from __future__ import annotations

from synclead.bench.metrics import Scrape, server_counts

BEFORE = """
# TYPE synclead_calls_started_total counter
synclead_calls_started_total 2.0
# TYPE synclead_calls_ended_total counter
synclead_calls_ended_total{reason="caller_hangup"} 2.0
# TYPE synclead_webhook_latency_seconds histogram
synclead_webhook_latency_seconds_count{webhook="voice"} 2.0
synclead_webhook_latency_seconds_sum{webhook="voice"} 0.05
synclead_webhook_latency_seconds_count{webhook="status"} 2.0
synclead_webhook_latency_seconds_sum{webhook="status"} 0.02
"""

AFTER = """
# TYPE synclead_active_calls gauge
synclead_active_calls 0.0
# TYPE synclead_calls_started_total counter
synclead_calls_started_total 7.0
# TYPE synclead_calls_ended_total counter
synclead_calls_ended_total{reason="caller_hangup"} 6.0
synclead_calls_ended_total{reason="error"} 1.0
# TYPE synclead_outbound_frames_late_total counter
synclead_outbound_frames_late_total 3.0
# TYPE synclead_webhook_latency_seconds histogram
synclead_webhook_latency_seconds_bucket{le="0.005",webhook="voice"} 1.0
synclead_webhook_latency_seconds_count{webhook="voice"} 7.0
synclead_webhook_latency_seconds_sum{webhook="voice"} 0.1
synclead_webhook_latency_seconds_count{webhook="status"} 6.0
synclead_webhook_latency_seconds_sum{webhook="status"} 0.05
"""


def test_the_load_alone_is_counted() -> None:
    counts = server_counts(Scrape.parse(BEFORE), Scrape.parse(AFTER))
    assert counts == {
        "calls_started": 5,
        "calls_ended": 5,
        "calls_ended_by_reason": {"caller_hangup": 4, "error": 1},
        "outbound_frames_late": 3,
        "voice_webhooks": 5,
        "voice_webhook_ms_mean": 10.0,
        "status_webhooks": 4,
        "active_calls_after": 0,
    }


def test_totals_add_up_the_samples_whose_labels_match() -> None:
    after = Scrape.parse(AFTER)
    assert after.total("synclead_calls_ended_total") == 7.0
    assert after.total("synclead_calls_ended_total", reason="error") == 1.0
    assert after.total("synclead_webhook_latency_seconds_bucket", webhook="voice") == 1.0
    assert after.total("synclead_no_such_metric") == 0.0
