"""`synclead eval --org SLUG DIR`: call an organization's agent with every scenario in a folder, through the whole
audio loop, and score what it did.

Exit status: 0 the run finished (and met `--min-score`), 1 the score is under `--min-score`, 2 bad input.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from synclead.config import get_settings
from synclead.simulator.caller import Pacing
from synclead.simulator.simulate import new_account_sid
from synclead.web.evals.models import Scorecard
from synclead.web.evals.runner import RunOptions, VoiceError, parse_voices, run_scenarios
from synclead.web.evals.scenario import ScenarioError, load_folder
from synclead.web.evals.scoring import render_text, totals
from synclead.web.service.management.commands.call import _migrate_if_needed

BELOW_MIN_SCORE = 1
BAD_INPUT = 2


def default_parallel() -> int:
    """Calls at once: one per core. The offline recogniser is the bottleneck: more calls than it can keep up with
    leave turns unanswered, and the score would measure the machine instead of the agent."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class Command(BaseCommand):
    help = (
        "Run every scenario (*.json) in DIR as a simulated call to the organization's agent, through the audio loop "
        "(caller voice, μ-law, the gateway, speech recognition, the agent, its voice), then score each call's report "
        "against the scenario's expectations. Exit status: 0 done; 1 under --min-score; 2 bad input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path, help="Folder of scenario files (*.json).")
        parser.add_argument("--org", required=True, help="Slug of the organization whose agent is evaluated.")
        parser.add_argument("--json", type=Path, help="Also write the scorecard to this file (JSON).")
        parser.add_argument(
            "--min-score", type=float, help="Percent of checks that must pass; under it the command exits 1."
        )
        parser.add_argument(
            "--parallel", type=int, default=default_parallel(), help="Calls at once (default: one per core)."
        )
        parser.add_argument("--speed", type=float, default=1.0, help="Media clock speed (1 = real time).")
        parser.add_argument(
            "--caller-voice",
            action="append",
            default=[],
            metavar="LANG=VOICE",
            help="The simulated callers' voice for a language: default (the simulator's), piper, espeak, kokoro.",
        )
        parser.add_argument("--to", default="", help="The number dialled; default: the organization's first.")
        parser.add_argument("--max-seconds", type=int, default=300, help="Longest call, in media seconds.")
        parser.add_argument("--report-timeout", type=float, default=120.0, help="Seconds to wait for each report.")
        parser.add_argument(
            "--reply-timeout",
            type=float,
            default=30.0,
            help="Media seconds a caller waits for the agent's reply before going on with its script (default 30).",
        )
        parser.add_argument("--no-store", action="store_true", help="Do not keep the scorecard on the dashboard.")

    def handle(self, *args: Any, **options: Any) -> None:
        min_score = options["min_score"]
        if min_score is not None and not 0 <= min_score <= 100:
            raise CommandError("--min-score must be a percentage from 0 to 100", returncode=BAD_INPUT)
        if not 1 <= options["reply_timeout"] <= 120:
            raise CommandError("--reply-timeout must be from 1 to 120 seconds", returncode=BAD_INPUT)
        if options["parallel"] < 1:
            raise CommandError("--parallel must be 1 or more", returncode=BAD_INPUT)
        try:
            scenarios = load_folder(options["dir"])
            voices = parse_voices(options["caller_voice"])
            run = RunOptions(
                speed=options["speed"],
                parallel=options["parallel"],
                max_call_s=options["max_seconds"],
                report_timeout_s=options["report_timeout"],
                reply_timeout_s=options["reply_timeout"],
                voices=voices,
            )
            Pacing(speed=run.speed)  # its own check, before any call is placed
        except (ScenarioError, VoiceError, ValueError) as exc:
            raise CommandError(str(exc), returncode=BAD_INPUT) from None
        _migrate_if_needed()
        organization = self._organization(options["org"])
        to_number = options["to"] or self._first_number(organization)
        parallel = run.parallel
        if organization.max_concurrent_calls and parallel > organization.max_concurrent_calls:
            # More would be answered "all lines busy", and scored as if the agent had failed.
            parallel = organization.max_concurrent_calls
            run = dataclasses.replace(run, parallel=parallel)

        settings = get_settings()
        account_sid = settings.twilio_account_sid or new_account_sid()
        auth_token = settings.twilio_auth_token or new_account_sid()[2:]
        self.stdout.write(
            f"Evaluating {organization.slug} at {to_number}: {len(scenarios)} scenario(s), {parallel} call(s) at once"
        )
        started, clock = timezone.now(), time.monotonic()
        done = 0

        def progress(result: dict[str, Any]) -> None:
            nonlocal done
            done += 1
            verdict = "PASS" if result["passed"] == result["total"] else "FAIL"
            self.stdout.write(
                f"[{done}/{len(scenarios)}] {verdict} {result['name']} {result['passed']}/{result['total']}"
            )

        try:
            results = asyncio.run(
                run_scenarios(organization.slug, to_number, scenarios, run, account_sid, auth_token, progress)
            )
        except VoiceError as exc:
            raise CommandError(str(exc), returncode=BAD_INPUT) from None
        finished = timezone.now()
        languages = sorted({scenario.language for scenario in scenarios})
        scorecard = {
            "org": organization.slug,
            "folder": str(options["dir"]),
            "started_at": started.isoformat(),
            "finished_at": finished.isoformat(),
            "duration_s": round(time.monotonic() - clock, 1),
            "parallel": parallel,
            "speed": run.speed,
            "reply_timeout_s": run.reply_timeout_s,
            "caller_voices": {language: voices.get(language, "default") for language in languages},
            "min_score": min_score,
            "scenarios": results,
            "totals": totals(results),
        }
        for line in render_text(scorecard):
            self.stdout.write(line)
        self.stdout.write(f"{scorecard['duration_s']} s for {len(scenarios)} scenario(s)")
        if options["json"]:
            options["json"].write_text(json.dumps(scorecard, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            self.stdout.write(f"scorecard written to {options['json']}")
        if not options["no_store"]:
            Scorecard.record(organization, scorecard, finished)
        score = scorecard["totals"]["score"]
        if min_score is not None and score < min_score:
            raise CommandError(f"score {score} % is under --min-score {min_score} %", returncode=BELOW_MIN_SCORE)

    def _organization(self, slug: str) -> Any:
        from synclead.web.organizations.models import Organization

        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            raise CommandError(f"no organization {slug!r} in this database", returncode=BAD_INPUT)
        return organization

    def _first_number(self, organization: Any) -> str:
        number = organization.numbers.order_by("id").values_list("number", flat=True).first()
        if number is None:
            raise CommandError(f"organization {organization.slug!r} has no phone number", returncode=BAD_INPUT)
        return number
