"""`synclead call`: phone an organization as a scripted caller, exactly as Twilio would, and save the server's
report of the call.

Exit status: 0 the call ran and was reported, 1 the call failed, 2 bad input, 3 the server dropped the media stream
in the middle of the call (Twilio then runs the fallback after </Connect>, the voicemail, and so does this command).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from synclead.config import get_settings
from synclead.simulator.caller import GREETING, Pacing
from synclead.simulator.dialer import Dial, DialError
from synclead.simulator.report_client import ReportError, fetch_report, wait_for_report
from synclead.simulator.script import CallScript, ScriptError, load_script
from synclead.simulator.simulate import (
    SimulatedCall,
    local_gateway,
    new_account_sid,
    render_turns,
    simulate_call,
)

FAILED = 1
BAD_INPUT = 2
DROPPED = 3
# What a close code tells whoever reads the one line a dropped call prints.
CLOSE_CODES = {1006: "no close frame: the server is gone", 1011: "server error", 1012: "server restarting"}


class Command(BaseCommand):
    help = (
        "Place a simulated call to an organization through the real Twilio protocol; write the server's report. "
        "Exit status: 0 the call ran and was reported; 1 the call failed; 2 bad input; 3 the server dropped the "
        "media stream mid-call (the server died or restarted): the fallback after </Connect> was run as Twilio runs "
        "it (apology, voicemail, its callbacks to whichever server answers), and one line says what became of it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Slug of the organization to call.")
        parser.add_argument("--script", required=True, type=Path, help='JSON: {"language", "from", "turns"}.')
        parser.add_argument("--report", required=True, type=Path, help="Where to write the report (JSON).")
        parser.add_argument("--url", default="", help="A running gateway's public URL; default: start one here.")
        parser.add_argument("--to", default="", help="The number dialled; default: the organization's first.")
        parser.add_argument("--speed", type=float, default=1.0, help="Media clock speed (1 = real time).")
        parser.add_argument("--max-seconds", type=int, default=300, help="Longest call, in media seconds.")
        parser.add_argument("--report-timeout", type=float, default=60.0, help="Seconds to wait for the report.")

    def handle(self, *args: Any, **options: Any) -> None:
        script = self._script(options["script"])
        url = options["url"].rstrip("/")
        if url and not url.startswith(("http://", "https://")):
            raise CommandError("--url must be the gateway's http(s):// address", returncode=BAD_INPUT)
        try:
            pacing = Pacing(speed=options["speed"], max_call_ms=options["max_seconds"] * 1000)
        except ValueError as exc:
            raise CommandError(f"--speed: {exc}", returncode=BAD_INPUT) from None
        settings = get_settings()
        if url and not settings.twilio_auth_token:
            raise CommandError("TWILIO_AUTH_TOKEN must be the server's auth token to sign for it", returncode=BAD_INPUT)
        if not url:
            _migrate_if_needed()
        to_number = options["to"] or self._first_number(options["org"])
        # A local server is ours alone: without configured credentials it gets throw-away ones.
        account_sid = settings.twilio_account_sid or new_account_sid()
        auth_token = settings.twilio_auth_token or new_account_sid()[2:]
        dial = Dial(account_sid, script.from_number, to_number)
        self.stdout.write(f"Calling {options['org']} at {to_number} from {script.from_number} ({dial.call_sid})")
        try:
            call, report = asyncio.run(
                self._call(url, dial, auth_token, options["org"], script, pacing, options["report_timeout"])
            )
        except (DialError, ReportError) as exc:
            raise CommandError(f"call failed: {exc}", returncode=FAILED) from None
        if report is not None:
            options["report"].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if call.dropped:
            raise CommandError(_dropped(call, report, options["report"]), returncode=DROPPED)
        assert report is not None  # only a dropped call goes without one
        self._print(call, report, options["report"])
        problems = _problems(call)
        if problems:
            raise CommandError("call failed: " + "; ".join(problems), returncode=FAILED)

    def _script(self, path: Path) -> CallScript:
        try:
            return load_script(path)
        except ScriptError as exc:
            raise CommandError(str(exc), returncode=BAD_INPUT) from None

    def _first_number(self, slug: str) -> str:
        from synclead.web.organizations.models import Organization

        org = Organization.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(
                f"no organization {slug!r} in this database (pass --to to dial anyway)", returncode=BAD_INPUT
            )
        number = org.numbers.order_by("id").values_list("number", flat=True).first()
        if number is None:
            raise CommandError(f"organization {slug!r} has no phone number", returncode=BAD_INPUT)
        return number

    async def _call(
        self,
        url: str,
        dial: Dial,
        auth_token: str,
        org: str,
        script: CallScript,
        pacing: Pacing,
        report_timeout_s: float,
    ) -> tuple[SimulatedCall, dict[str, Any] | None]:
        """The call and the server's report of it; no report for a dropped call that no server took over."""
        turns = await render_turns(script)
        if url:
            call = await simulate_call(url, dial, auth_token, turns, pacing)
            if call.dropped and not (call.fallback and call.fallback.delivered):
                return call, None
            async with httpx.AsyncClient(timeout=15) as client:
                try:
                    return call, await fetch_report(client, url, dial.call_sid, org, auth_token, report_timeout_s)
                except ReportError:
                    if call.dropped:
                        return call, None  # the line about the dropped stream matters more than a late report
                    raise
        async with local_gateway(dial.account_sid, auth_token) as gateway:
            call = await simulate_call(gateway.url, dial, auth_token, turns, pacing, gateway.rest)
            report = await wait_for_report(dial.call_sid, report_timeout_s)
            if report["org"] != org:
                raise ReportError(f"the call was answered for {report['org']!r}, not {org!r}")
            return call, report

    def _print(self, call: SimulatedCall, report: dict[str, Any], path: Path) -> None:
        caller = call.caller
        self.stdout.write(
            f"{report['status']}, {report['duration_s']} s, ended by {caller.ended_by}; "
            f"{caller.turns_spoken} turn(s) spoken, {caller.clears} barge-in clear(s)"
        )
        for line in report["transcript"]:
            self.stdout.write(f"  {line['start_ms'] / 1000:6.1f} s  {line['role']:<6} {line['text']}")
        metrics = report["metrics"]
        latencies = [t["latency_ms"] for t in metrics["turns"] if t.get("latency_ms") is not None]
        self.stdout.write(f"greeting {metrics['greeting_ms']} ms; reply latencies (ms): {latencies}")
        if caller.ended_by == "server-closed" and call.twiml.after:
            # Twilio runs the verbs after </Connect> when the server closes the stream without hanging up.
            self.stdout.write(
                "warning: the server closed the stream without hanging up; Twilio would now go on to "
                + ", ".join(call.twiml.after)
            )
        if caller.cut_off:
            self.stdout.write(f"note: the call ended while the caller was saying turn {caller.turns_spoken}")
        if caller.agent_unplayed_ms:
            self.stdout.write(f"warning: {caller.agent_unplayed_ms} ms of the agent's audio was cut off")
        for index in caller.unanswered:
            what = "the greeting" if index == GREETING else f"turn {index + 1}"
            self.stdout.write(f"warning: the agent said nothing after {what}")
        self.stdout.write(f"report written to {path}")


def _problems(call: SimulatedCall) -> list[str]:
    problems = []
    if not call.caller.agent_spoke:
        problems.append("the agent never spoke")
    if call.caller.errors:
        problems.append(f"{len(call.caller.errors)} malformed message(s), first: {call.caller.errors[0]}")
    if call.status_error:
        problems.append(call.status_error)
    elif call.status_callback is not None and call.status_callback >= 400:
        problems.append(f"the status callback was answered {call.status_callback}")
    return problems


def _dropped(call: SimulatedCall, report: dict[str, Any] | None, path: Path) -> str:
    """The one line a dropped call ends with: the close, what Twilio did instead, whether anyone heard of it."""
    code = call.caller.close_code
    why = CLOSE_CODES.get(code or 0) or call.caller.close_reason
    line = f"the server closed the media stream (code {code}{', ' + why if why else ''})"
    line += f" after {call.caller.media_ms / 1000:.1f} s — Twilio played the fallback: "
    line += call.fallback.describe() if call.fallback else "nothing"
    if call.status_error:
        line += f"; {call.status_error}"
    return line + (f"; report written to {path}" if report is not None else "; no report")


def _migrate_if_needed() -> None:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)
