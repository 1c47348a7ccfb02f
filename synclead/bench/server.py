"""`python -m synclead.bench.server --port P`: the real gateway (`create_app`) with the benchmark's providers.

It runs in its own process so that its CPU time and memory are its own. Unless `--data-dir` is given it keeps
its database in a fresh temporary directory, with one organization (`bench`, number BENCH_NUMBER).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from typing import Any, Final

BENCH_ORG: Final = "bench"
BENCH_NUMBER: Final = "+33142685300"


def prepare_database() -> None:
    from django.core.management import call_command

    from synclead.web.organizations.models import Organization, PhoneNumber

    call_command("migrate", interactive=False, verbosity=0)
    # No limit on simultaneous calls: the benchmark is there to find the machine's, not the organization's.
    org, _ = Organization.objects.update_or_create(
        slug=BENCH_ORG, defaults={"name": "Benchmark line", "max_concurrent_calls": 0}
    )
    PhoneNumber.objects.get_or_create(number=BENCH_NUMBER, defaults={"organization": org})


def main() -> None:
    parser = argparse.ArgumentParser(description="The gateway with benchmark-only providers.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data-dir", default="", help="Default: a new temporary directory.")
    parser.add_argument("--stt-delay-ms", type=int, default=100)
    parser.add_argument("--tts-delay-ms", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="Gateway processes on the port, as `serve` runs.")
    # Default: exactly what `synclead serve` uses; the others for comparison.
    parser.add_argument("--ws", default="", choices=["", "auto", "websockets", "websockets-sansio", "wsproto"])
    parser.add_argument("--loop", default="", choices=["", "auto", "asyncio", "uvloop"])
    args = parser.parse_args()

    # Settings are read once, at Django's start: the environment must be complete before anything imports it.
    os.environ["SYNCLEAD_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="synclead-bench-")
    os.environ.setdefault("SYNCLEAD_PUBLIC_URL", f"http://{args.host}:{args.port}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synclead.web.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import django

    django.setup()
    prepare_database()

    # The worker processes build their app from the environment (`bench_app`), as `serve`'s do from theirs.
    os.environ[_STT_DELAY] = str(args.stt_delay_ms)
    os.environ[_TTS_DELAY] = str(args.tts_delay_ms)
    from synclead.gateway import server

    overrides = {"ws": args.ws} if args.ws else {}
    if args.loop:
        overrides["loop"] = args.loop
    server.serve("synclead.bench.server:bench_app", host=args.host, port=args.port, workers=args.workers, **overrides)


_STT_DELAY, _TTS_DELAY = "SYNCLEAD_BENCH_STT_DELAY_MS", "SYNCLEAD_BENCH_TTS_DELAY_MS"


def bench_app() -> Any:
    """The gateway with the benchmark's providers: the application factory each server process calls."""
    from synclead.bench.providers import bench_providers
    from synclead.config import get_settings
    from synclead.gateway.app import create_app

    providers = bench_providers(int(os.environ.get(_STT_DELAY, "100")), int(os.environ.get(_TTS_DELAY, "50")))
    return create_app(providers, settings=get_settings())


if __name__ == "__main__":
    main()
