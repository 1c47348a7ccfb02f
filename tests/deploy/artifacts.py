"""Readers for the deployment files: the Dockerfile, compose.yaml, the Caddyfile, the Kubernetes manifests.

Only what the tests need is parsed, and parsed strictly: a construct these readers do not know fails the test
rather than being skipped, so a check can never pass by not seeing its subject. Parsed files are cached: read
them, never change them.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE = ROOT / "compose.yaml"
COMPOSE_ENV_EXAMPLE = ROOT / "deploy" / "compose.env.example"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
KUBERNETES = ROOT / "deploy" / "kubernetes"
MONITORING = ROOT / "deploy" / "monitoring"
README = ROOT / "README.md"

Manifest = dict[str, Any]


def yaml_documents(path: Path) -> list[Any]:
    """Every non-empty document of a YAML file."""
    return [document for document in yaml.safe_load_all(path.read_text()) if document is not None]


def yaml_files() -> list[Path]:
    """Every YAML file the deployment is made of."""
    found = [COMPOSE, *KUBERNETES.glob("*.yaml"), *MONITORING.glob("*.yaml")]
    return sorted(found)


# --- Kubernetes --------------------------------------------------------------------------------------------------


@cache
def manifests() -> list[tuple[Path, Manifest]]:
    """Each Kubernetes object under deploy/kubernetes (the Secret template included), with its file."""
    return [
        (path, document)
        for path in sorted(KUBERNETES.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for document in yaml_documents(path)
    ]


def kustomization() -> Manifest:
    (document,) = yaml_documents(KUBERNETES / "kustomization.yaml")
    return document


def find(kind: str, name: str | None = None) -> Manifest:
    """The one object of that kind (and name); a test about it cannot run without it."""
    matches = [m for _, m in manifests() if m["kind"] == kind and (name is None or m["metadata"]["name"] == name)]
    assert len(matches) == 1, f"expected one {kind} {name or ''} in deploy/kubernetes, found {len(matches)}"
    return matches[0]


def pod_spec(workload: Manifest) -> Manifest:
    """The pod template's spec of a Deployment, Job or CronJob."""
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def workloads() -> list[Manifest]:
    return [m for _, m in manifests() if m["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")]


# --- Dockerfile --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    value: str
    stage: str


@dataclass
class Dockerfile:
    instructions: list[Instruction] = field(default_factory=list)
    # Stage name (or its index, unnamed) -> the image it starts from, build arguments resolved.
    bases: dict[str, str] = field(default_factory=dict)

    @property
    def final_stage(self) -> str:
        return list(self.bases)[-1]

    def all(self, keyword: str, stage: str | None = None) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword and (stage is None or i.stage == stage)]

    def last(self, keyword: str, stage: str) -> Instruction:
        found = self.all(keyword, stage)
        assert found, f"the Dockerfile's stage {stage!r} has no {keyword}"
        return found[-1]

    def env(self, stage: str) -> dict[str, str]:
        values: dict[str, str] = {}
        for instruction in self.all("ENV", stage):
            for token in shlex.split(instruction.value):
                name, sep, value = token.partition("=")
                assert sep, f"ENV {instruction.value!r}: write ENV NAME=value"
                values[name] = value
        return values


def _logical_lines(text: str) -> list[str]:
    # Docker drops comment lines even inside a continued instruction, and joins lines ending with a backslash.
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    assert not current, "the Dockerfile ends in the middle of a continued line"
    return lines


def _substitute(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m.group(1) or m.group(2), m.group(0)), value)


@cache
def dockerfile(path: Path = DOCKERFILE) -> Dockerfile:
    parsed = Dockerfile()
    global_args: dict[str, str] = {}
    stage = ""
    for line in _logical_lines(path.read_text()):
        keyword, _, value = line.partition(" ")
        keyword, value = keyword.upper(), value.strip()
        if keyword == "FROM":
            parts = value.split()
            stage = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else str(len(parsed.bases))
            parsed.bases[stage] = _substitute(parts[0], global_args)
        elif keyword == "ARG" and not parsed.bases:
            name, _, default = value.partition("=")
            global_args[name] = default
        parsed.instructions.append(Instruction(keyword, value, stage))
    return parsed


def exec_form(instruction: Instruction) -> list[str]:
    """The JSON array of an exec-form instruction (ENTRYPOINT, CMD)."""
    assert instruction.value.startswith("["), f"{instruction.keyword} should be in exec form: {instruction.value}"
    value = json.loads(instruction.value)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
    return value


def healthcheck_command(instruction: Instruction) -> list[str]:
    """The command of `HEALTHCHECK [--option=value ...] CMD [...]`."""
    match = re.fullmatch(r"((?:--[\w-]+=\S+\s+)*)CMD\s+(.+)", instruction.value)
    assert match, f"HEALTHCHECK should be `[options] CMD [exec form]`: {instruction.value}"
    return exec_form(Instruction("CMD", match.group(2), instruction.stage))


def dockerignore_patterns() -> list[str]:
    lines = (line.strip() for line in DOCKERIGNORE.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


# --- compose and Caddy -------------------------------------------------------------------------------------------

_INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


@cache
def compose() -> Manifest:
    (document,) = yaml_documents(COMPOSE)
    return document


def interpolated_names(text: str) -> set[str]:
    """The variables compose substitutes (`${NAME}`, `${NAME:-default}`, `${NAME:?message}`)."""
    return {match.group(1) for match in _INTERPOLATION.finditer(text)}


def interpolate(value: str, env: dict[str, str]) -> str:
    """`value` as compose would write it with `env` (defaults where unset; required ones must be in `env`)."""

    def replace(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        if env.get(name):
            return env[name]
        assert operator is None or "-" in operator, f"${{{name}}} is required: pass it in env"
        return argument or ""

    return _INTERPOLATION.sub(replace, value)


def env_file_names(path: Path) -> set[str]:
    """The variable names of an env file, commented-out examples (`# NAME=value`) included."""
    names = set()
    for line in path.read_text().splitlines():
        match = re.fullmatch(r"#?\s*([A-Z][A-Z0-9_]*)=.*", line.strip())
        if match:
            names.add(match.group(1))
    return names


def seconds(duration: str | int) -> float:
    """A compose or Caddy duration ("330s", "11m", "1h30m", "500ms") in seconds."""
    if isinstance(duration, int):
        return float(duration)
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, f"not a duration: {duration!r}"
    return sum(float(number) * units[unit] for number, unit in parts)


@dataclass(frozen=True)
class CaddySite:
    address: str
    # Each directive line of the site block, as words, nested blocks flattened in order.
    directives: list[list[str]]


def caddy_sites(path: Path = CADDYFILE) -> list[CaddySite]:
    """The site blocks of a Caddyfile (enough of the syntax for a file that uses tabs, braces and comments)."""
    sites: list[CaddySite] = []
    depth = 0
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if depth == 0:
            assert words[-1] == "{", f"Caddyfile: a site address then {{ expected, got {line!r}"
            sites.append(CaddySite(" ".join(words[:-1]), []))
        elif words != ["}"]:
            sites[-1].directives.append([w for w in words if w != "{"])
        depth += line.count("{") - line.count("}")
        assert depth >= 0, "Caddyfile: unbalanced braces"
    assert depth == 0, "Caddyfile: unbalanced braces"
    return sites


# --- README ------------------------------------------------------------------------------------------------------


def readme_section(title: str) -> str:
    """The text of a `## title` section of the README, up to the next `## ` heading."""
    text = README.read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert match, f"README.md has no `## {title}` section followed by another section"
    return match.group(1)
