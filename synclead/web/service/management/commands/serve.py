"""`synclead serve`: the gateway (Twilio webhooks, media stream, dashboard) in one process."""

from __future__ import annotations

import os

import uvicorn
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from synclead.config import reload_settings
from synclead.gateway.server import uvicorn_config


def run_gateway(host: str, port: int, public_url: str = "") -> None:
    os.environ["SYNCLEAD_PUBLIC_URL"] = public_url or os.environ.get("SYNCLEAD_PUBLIC_URL") or f"http://{host}:{port}"
    settings = reload_settings()
    from synclead.gateway.app import create_app

    config = uvicorn_config(create_app(settings=settings), host=host, port=port, log_level="info", access_log=True)
    uvicorn.Server(config).run()


class Command(BaseCommand):
    help = "Run SYNCLEAD: Twilio webhooks, the media stream and the dashboard."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("SYNCLEAD_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("SYNCLEAD_PORT", "8000")))
        parser.add_argument("--public-url", default="", help="The https:// address Twilio reaches (a tunnel).")

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        run_gateway(options["host"], options["port"], options["public_url"])
