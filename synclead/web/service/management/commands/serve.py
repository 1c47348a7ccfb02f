"""`synclead serve`: the gateway (Twilio webhooks, media stream, dashboard), in one process per core.

`--tunnel` makes it reachable by Twilio in one step: an ngrok tunnel, `SYNCLEAD_PUBLIC_URL` set to it, and, with
Twilio credentials, the organizations' numbers pointed at it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Protocol

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from synclead.config import Settings, reload_settings
from synclead.gateway import server
from synclead.telephony.twilio.numbers import webhook_urls
from synclead.web.service.management.commands.twilio import configure_numbers


class Listener(Protocol):
    def url(self) -> str: ...


# (address to forward to, authtoken) -> an open listener. Tests swap it: the real ngrok needs the internet.
ListenerFactory = Callable[[str, str], Listener]


def ngrok_forward(address: str, authtoken: str) -> Listener:
    try:
        import ngrok
    except ImportError as exc:
        raise CommandError("--tunnel needs the ngrok agent SDK: `uv add ngrok` (or `pip install ngrok`)") from exc
    return ngrok.forward(address, authtoken=authtoken)


listener_factory: ListenerFactory = ngrok_forward


def run_gateway(host: str, port: int, public_url: str = "", workers: int = 1) -> None:
    # In the environment, not only in this process's settings: the worker processes read it when they start.
    os.environ["SYNCLEAD_PUBLIC_URL"] = public_url or os.environ.get("SYNCLEAD_PUBLIC_URL") or f"http://{host}:{port}"
    reload_settings()
    server.serve(
        "synclead.gateway.app:create_app", host=host, port=port, workers=workers, log_level="info", access_log=True
    )


def open_tunnel(settings: Settings, host: str, port: int) -> str:
    """Open the tunnel to the local port and return its https:// URL."""
    if not settings.ngrok_authtoken:
        raise CommandError(
            "--tunnel needs NGROK_AUTHTOKEN (in the environment or .env): copy it from "
            "https://dashboard.ngrok.com/get-started/your-authtoken"
        )
    # A wildcard bind address is not somewhere to connect to; the tunnel reaches the server over loopback.
    target = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    try:
        listener = listener_factory(f"{target}:{port}", settings.ngrok_authtoken)
    except CommandError:
        raise
    except Exception as exc:  # the native ngrok binding raises plain ValueError/OSError-like errors of its own
        raise CommandError(f"the ngrok tunnel could not be opened: {exc}") from exc
    url = listener.url().rstrip("/")
    if not url.startswith("https://"):
        raise CommandError(f"the ngrok tunnel gave {url!r}, not an https:// URL Twilio can call")
    return url


def _workers(value: str) -> int:
    try:
        workers = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {value!r}") from None
    if not 1 <= workers <= 256:
        raise argparse.ArgumentTypeError("must be between 1 and 256")
    return workers


class Command(BaseCommand):
    help = "Run SYNCLEAD: Twilio webhooks, the media stream and the dashboard."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("SYNCLEAD_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("SYNCLEAD_PORT", "8000")))
        parser.add_argument("--public-url", default="", help="The https:// address Twilio reaches (a tunnel).")
        parser.add_argument(
            "--workers",
            type=_workers,
            default=None,
            help="Gateway processes on the port (default: SYNCLEAD_WORKERS, else one per CPU core).",
        )
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="Do not apply database migrations at start (a deployment that runs `synclead migrate` once first).",
        )
        parser.add_argument(
            "--tunnel",
            action="store_true",
            help="Open an ngrok tunnel (NGROK_AUTHTOKEN) and, with TWILIO_* set, point the numbers at it.",
        )

    def handle(self, *args, **options) -> None:
        host, port, public_url = options["host"], options["port"], options["public_url"]
        if options["tunnel"] and public_url:
            raise CommandError("--tunnel sets the public URL itself: drop --public-url")
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if options["tunnel"]:
            public_url = open_tunnel(reload_settings(), host, port)
            # Set before the app is built: webhook signatures are checked against this URL.
            os.environ["SYNCLEAD_PUBLIC_URL"] = public_url
            self.stdout.write(f"Tunnel open: {public_url} -> http://{host}:{port}")
            self._point_numbers(reload_settings(), public_url)
        workers = options["workers"] or reload_settings().workers or server.cpu_cores()
        if workers > 1:
            self.stdout.write(f"Serving on http://{host}:{port} with {workers} gateway processes")
        run_gateway(host, port, public_url, workers)

    def _point_numbers(self, settings: Settings, public_url: str) -> None:
        if settings.twilio_account_sid and not settings.twilio_token_is_local:
            configure_numbers(settings, public_url, None, self.stdout, self.stderr, self.style)
            return
        voice_url, status_url, _ = webhook_urls(public_url)
        self.stdout.write(
            "No TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN: in the Twilio console, set the number's\n"
            f"  A call comes in:      Webhook, POST {voice_url}\n"
            f"  Call status changes:  POST {status_url}\n"
            f"  Primary handler fails: POST {voice_url}"
        )
        if settings.twilio_token_is_local:
            # Twilio signs with the account's token; the local one would make every real webhook a 403.
            self.stderr.write(self.style.WARNING("Set TWILIO_AUTH_TOKEN too, or Twilio's requests will be refused."))
