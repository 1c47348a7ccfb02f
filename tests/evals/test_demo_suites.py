"""The demo agencies' full suites (examples/eval/en and fr) through the audio loop: the score is recorded, and held
to a threshold when one is given.

About 40 calls per language; they run only when asked (CI does, after the main suite):

    SYNCLEAD_EVAL_SUITES=1 ./run test -n 0 -m eval_suite tests/evals/test_demo_suites.py

- `SYNCLEAD_EVAL_MIN_SCORE_EN`, `SYNCLEAD_EVAL_MIN_SCORE_FR`: percent of checks that must pass (none: record only);
- `SYNCLEAD_EVAL_CALLER_VOICE_EN`, `SYNCLEAD_EVAL_CALLER_VOICE_FR`: the callers' voice (`synclead eval --caller-voice`);
- `SYNCLEAD_EVAL_OUT`: a folder to keep the scorecards in (`eval-en.json`, `eval-fr.json`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.simulator.e2e import demo_env, synclead

SUITES = Path(__file__).resolve().parents[2] / "examples" / "eval"
ORGANIZATIONS = {"en": "demo", "fr": "demo-fr"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.eval_suite,
    pytest.mark.skipif(not os.environ.get("SYNCLEAD_EVAL_SUITES"), reason="set SYNCLEAD_EVAL_SUITES=1 to run them"),
]


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return demo_env(tmp_path_factory.mktemp("suites"))


@pytest.mark.parametrize("language", sorted(ORGANIZATIONS))
def test_demo_suite(language: str, environment: dict[str, str], tmp_path: Path, record_property) -> None:
    folder = Path(os.environ.get("SYNCLEAD_EVAL_OUT") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"eval-{language}.json"
    args = ["eval", "--org", ORGANIZATIONS[language], str(SUITES / language), "--json", str(out)]
    if voice := os.environ.get(f"SYNCLEAD_EVAL_CALLER_VOICE_{language.upper()}"):
        args += ["--caller-voice", f"{language}={voice}"]
    if min_score := os.environ.get(f"SYNCLEAD_EVAL_MIN_SCORE_{language.upper()}"):
        args += ["--min-score", min_score]
    done = synclead(*args, env=environment, timeout=3 * 3600)
    assert out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    totals = json.loads(out.read_text())["totals"]
    record_property(f"eval_{language}_score", totals["score"])
    print(f"{language}: {totals['checks_passed']}/{totals['checks']} checks ({totals['score']} %), scorecard {out}")
    assert done.returncode == 0, "\n".join(done.stdout.splitlines()[-40:]) + done.stderr[-2000:]
