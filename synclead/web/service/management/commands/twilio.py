"""`synclead twilio configure --public-url URL [--number E164]`: point Twilio numbers at this deployment.

For deployments with HTTPS of their own; `synclead serve --tunnel` does the same with a tunnel's URL.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.core.management.color import Style

from synclead.config import Settings, get_settings
from synclead.telephony.twilio.numbers import NumberSetupError, configure_number, webhook_urls
from synclead.web.organizations.models import PhoneNumber


def configure_numbers(
    settings: Settings,
    public_url: str,
    only: str | None,
    stdout: OutputWrapper,
    stderr: OutputWrapper,
    style: Style,
) -> int:
    """Point `only`, or every organization's number, at `public_url`; returns how many were configured.

    A number missing from the account is reported and skipped, so one stale row does not block the others;
    bad credentials or an unreachable Twilio stop everything (every other number would fail the same way).
    """
    try:
        webhook_urls(public_url)  # a malformed URL is one error, not one per number
    except NumberSetupError as exc:
        raise CommandError(str(exc)) from exc
    if only:
        numbers = [(only, PhoneNumber.objects.filter(number=only).values_list("organization__slug", flat=True).first())]
    else:
        numbers = list(PhoneNumber.objects.order_by("number").values_list("number", "organization__slug"))
    if not numbers:
        stderr.write(style.WARNING("No numbers to configure: add one with `synclead org add SLUG --number E164`."))
        return 0
    done = 0
    for e164, slug in numbers:
        try:
            configured = configure_number(settings, e164, public_url)
        except NumberSetupError as exc:
            if exc.affects_every_number:
                raise CommandError(str(exc)) from exc
            stderr.write(style.ERROR(f"{e164}: {exc}"))
            continue
        done += 1
        owner = f" ({slug})" if slug else " (no organization owns it here: its calls will be refused)"
        stdout.write(
            style.SUCCESS(f"{e164}{owner} configured:")
            + f" voice {configured.voice_url}, status {configured.status_callback},"
            f" fallback {configured.voice_fallback_url}"
        )
    return done


class Command(BaseCommand):
    help = "Twilio set-up through its REST API (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        configure = actions.add_parser(
            "configure", help="Point numbers' voice, status and fallback webhooks at a public URL."
        )
        configure.add_argument("--public-url", required=True, help="The https:// address of this deployment.")
        configure.add_argument("--number", default=None, help="Only this E.164 number (default: every organization's).")

    def handle(self, *args, **options) -> None:
        settings = get_settings()
        if not settings.twilio_account_sid or settings.twilio_token_is_local:
            raise CommandError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set (environment or .env)")
        done = configure_numbers(
            settings, options["public_url"], options["number"], self.stdout, self.stderr, self.style
        )
        if not done:
            raise CommandError("no number was configured")
