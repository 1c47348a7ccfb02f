"""`python -m synclead.bench.server --port P`: the real gateway (`create_app`) with the benchmark's providers.

It runs in its own process so that its CPU time and memory are its own. Unless `--data-dir` is given it keeps
its database in a fresh temporary directory, with one organization (`bench`, number BENCH_NUMBER).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from typing import Final

BENCH_ORG: Final = "bench"
BENCH_NUMBER: Final = "+33142685300"


def prepare_database() -> None:
    from django.core.management import call_command

    from synclead.web.organizations.models import Organization, PhoneNumber

    call_command("migrate", interactive=False, verbosity=0)
    org, _ = Organization.objects.get_or_create(slug=BENCH_ORG, defaults={"name": "Benchmark line"})
    PhoneNumber.objects.get_or_create(number=BENCH_NUMBER, defaults={"organization": org})


def main() -> None:
    parser = argparse.ArgumentParser(description="The gateway with benchmark-only providers.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data-dir", default="", help="Default: a new temporary directory.")
    parser.add_argument("--stt-delay-ms", type=int, default=100)
    parser.add_argument("--tts-delay-ms", type=int, default=50)
    # Default: exactly what `synclead serve` uses; the others for comparison.
    parser.add_argument("--ws", default="", choices=["", "auto", "websockets", "websockets-sansio", "wsproto"])
    args = parser.parse_args()

    # Settings are read once, at Django's start: the environment must be complete before anything imports it.
    os.environ["SYNCLEAD_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="synclead-bench-")
    os.environ.setdefault("SYNCLEAD_PUBLIC_URL", f"http://{args.host}:{args.port}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synclead.web.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import django

    django.setup()
    prepare_database()

    import uvicorn

    from synclead.bench.providers import bench_providers
    from synclead.config import get_settings
    from synclead.gateway.app import create_app
    from synclead.gateway.server import uvicorn_config

    app = create_app(bench_providers(args.stt_delay_ms, args.tts_delay_ms), settings=get_settings())
    overrides = {"ws": args.ws} if args.ws else {}
    uvicorn.Server(uvicorn_config(app, host=args.host, port=args.port, **overrides)).run()


if __name__ == "__main__":
    main()
