"""`synclead bench --calls N [--seconds S] --json FILE`: measure the media path under N concurrent calls.

The gateway runs in its own processes (`--workers`, as `synclead serve` runs them) with benchmark-only providers
(`synclead.bench`); the callers run in one or more other processes and set every call up as Twilio does. Exit
status: 0 measured, 2 bad input, 1 the benchmark could not run.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from synclead.bench.harness import BenchError, BenchOptions, run_bench

SUMMARY = (
    ("cpu_core_per_call", "core/call"),
    ("jitter_ms_p99", "jitter p99 ms"),
    ("late_frames", "late frames"),
    ("lost_frames", "lost frames"),
    ("greeting_ms_p50", "greeting p50 ms"),
    ("webhook_ms_p95", "webhook p95 ms"),
    ("status_webhook_ms_p95", "status p95 ms"),
    ("barge_in_ms_p50", "barge-in p50 ms"),
    ("reply_ms_p50", "reply p50 ms"),
    ("memory_mb_per_call", "MB/call"),
    ("client_cpu_cores", "client cores"),
)


class Command(BaseCommand):
    help = "Benchmark the media path: N simulated Twilio calls against a gateway in its own processes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--calls", type=int, required=True)
        parser.add_argument("--seconds", type=float, default=30.0)
        parser.add_argument("--json", type=Path, required=True, help="Where to write the results.")
        parser.add_argument("--client-procs", type=int, default=1, help="Load-generator processes.")
        parser.add_argument("--workers", type=int, default=1, help="Gateway processes, as `synclead serve --workers`.")
        parser.add_argument("--stt-delay-ms", type=int, default=100)
        parser.add_argument("--tts-delay-ms", type=int, default=50)
        parser.add_argument("--barge-at-ms", type=int, default=600, help="How far into a reply the caller cuts in.")
        parser.add_argument("--ramp", type=float, default=None, help="Seconds over which the calls ring.")
        parser.add_argument(
            "--ws",
            default="",
            choices=["", "auto", "websockets", "websockets-sansio", "wsproto"],
            help="uvicorn WebSocket implementation; default: what `synclead serve` uses",
        )
        parser.add_argument(
            "--loop",
            default="",
            choices=["", "auto", "asyncio", "uvloop"],
            help="uvicorn event loop; default: what `synclead serve` uses (uvloop where installed)",
        )
        parser.add_argument(
            "--priority", type=int, default=0, help="Nice value for the server and callers (e.g. -10, as root)."
        )
        parser.add_argument(
            "--no-warmup",
            action="store_true",
            help="Skip the warm-up calls (quicker smoke runs; start-up costs then count in the figures).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["calls"] <= 2000:
            raise CommandError("--calls must be between 1 and 2000", returncode=2)
        if not 3 <= options["seconds"] <= 3600:
            raise CommandError("--seconds must be between 3 and 3600", returncode=2)
        if not 1 <= options["client_procs"] <= 16:
            raise CommandError("--client-procs must be between 1 and 16", returncode=2)
        if not 1 <= options["workers"] <= 64:
            raise CommandError("--workers must be between 1 and 64", returncode=2)
        bench = BenchOptions(
            calls=options["calls"],
            seconds=options["seconds"],
            client_procs=options["client_procs"],
            workers=options["workers"],
            stt_delay_ms=options["stt_delay_ms"],
            tts_delay_ms=options["tts_delay_ms"],
            barge_at_ms=options["barge_at_ms"],
            ramp_s=options["ramp"],
            ws=options["ws"],
            loop=options["loop"],
            priority=options["priority"],
            warmup=not options["no_warmup"],
        )
        try:
            result = asyncio.run(run_bench(bench))
        except PermissionError:
            raise CommandError("--priority below 0 needs root", returncode=2) from None
        except BenchError as exc:
            raise CommandError(f"benchmark failed: {exc}", returncode=1) from None
        options["json"].write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        summary = ", ".join(f"{label} {result[key]}" for key, label in SUMMARY)
        self.stdout.write(f"{bench.workers} worker(s): {summary}")
        if result["calls_failed"]:
            self.stdout.write(f"warning: {result['calls_failed']} call(s) failed: {result['failures'][:3]}")
        if result["status_callbacks_failed"]:
            failed, shown = result["status_callbacks_failed"], result["status_failures"][:3]
            self.stdout.write(f"warning: {failed} status callback(s) not accepted: {shown}")
        started, placed = result["server_metrics"]["calls_started"], result["calls_placed"]
        if started != placed:
            self.stdout.write(f"warning: the server counted {started} call(s) started, the callers placed {placed}")
        self.stdout.write(f"results written to {options['json']}")
