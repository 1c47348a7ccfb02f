"""The image, compose.yaml, the Caddyfile and the README's deployment guide, checked against the code they run.

Offline and quick: nothing is built or started. What is checked is what breaks a deployment when the code changes
under it: a renamed command or option, a setting's environment name, a probe's path, a timeout shorter than a call.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

import pytest

from synclead.providers import models
from tests.deploy import contract
from tests.deploy.artifacts import (
    CADDYFILE,
    COMPOSE,
    COMPOSE_ENV_EXAMPLE,
    README,
    ROOT,
    caddy_sites,
    compose,
    dockerfile,
    dockerignore_patterns,
    env_file_names,
    exec_form,
    healthcheck_command,
    interpolate,
    interpolated_names,
    manifests,
    readme_section,
    seconds,
    yaml_documents,
    yaml_files,
)

EXAMPLE_ENV = {"SYNCLEAD_DOMAIN": "calls.example.com", "POSTGRES_PASSWORD": "secret"}


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_parses(path: Path) -> None:
    assert yaml_documents(path), f"{path} holds no document"


# --- the image ---------------------------------------------------------------------------------------------------


def test_image_is_built_with_uv_from_the_lock_on_python_slim() -> None:
    image = dockerfile()
    assert any(base.startswith("ghcr.io/astral-sh/uv:") for base in image.bases.values())
    assert len(image.bases) >= 3, "a uv stage, a build stage and a runtime stage"
    final = image.bases[image.final_stage]
    assert re.fullmatch(r"python:3\.12-slim(-\w+)?", final), final
    # The environment is copied between stages: its interpreter links only resolve on the same base.
    builders = [s for s, base in image.bases.items() if base.startswith("python:") and s != image.final_stage]
    assert builders and all(image.bases[stage] == final for stage in builders)
    syncs = [i.value for i in image.all("RUN") if "uv sync" in i.value]
    assert syncs, "the environment comes from `uv sync`"
    for sync in syncs:
        assert "--frozen" in sync and "--no-dev" in sync, sync


def test_image_runs_as_a_numeric_non_root_user() -> None:
    image = dockerfile()
    user = image.last("USER", image.final_stage).value
    uid = user.split(":")[0]
    # Kubernetes can only check runAsNonRoot against a number.
    assert uid.isdigit() and int(uid) > 0, user


def test_entrypoint_is_the_synclead_script_and_the_default_command_serves() -> None:
    image = dockerfile()
    assert exec_form(image.last("ENTRYPOINT", image.final_stage)) == ["synclead"]
    assert callable(contract.console_script("synclead"))
    name, options = contract.command(exec_form(image.last("CMD", image.final_stage)))
    assert name == "serve"
    assert options["host"] == "0.0.0.0", "inside a container the gateway must listen on every interface"
    exposed = {int(port.split("/")[0]) for i in image.all("EXPOSE", image.final_stage) for port in i.value.split()}
    assert options["port"] in exposed


def test_healthcheck_asks_healthz_on_the_served_port_with_python() -> None:
    image = dockerfile()
    check = healthcheck_command(image.last("HEALTHCHECK", image.final_stage))
    _, options = contract.command(exec_form(image.last("CMD", image.final_stage)))
    # The slim base has no curl or wget.
    assert check[0] in ("python", "python3"), check
    assert f"http://127.0.0.1:{options['port']}/healthz" in " ".join(check), check


def test_whisper_base_is_prepared_in_the_image_outside_the_data_volume() -> None:
    image = dockerfile()
    final_env = image.env(image.final_stage)
    data_dir = PurePosixPath(final_env["SYNCLEAD_DATA_DIR"])
    models_dir = PurePosixPath(final_env["SYNCLEAD_MODELS_DIR"])
    assert data_dir not in models_dir.parents and models_dir != data_dir, "a volume on the data dir would hide it"
    preparing = [
        i for i in image.all("RUN") if "whisper_base_dir" in i.value and "synclead.providers.models" in i.value
    ]
    assert preparing, "the image joins the packaged Whisper base model at build time"
    assert callable(models.whisper_base_dir)
    (stage,) = {i.stage for i in preparing}
    assert image.env(stage).get("SYNCLEAD_MODELS_DIR") == str(models_dir), "prepared where the runtime looks"
    copies = [i.value.split() for i in image.all("COPY", image.final_stage)]
    assert [f"--from={stage}", str(models_dir), str(models_dir)] in copies


def test_image_environment_names_are_settings() -> None:
    image = dockerfile()
    names = {name for stage in image.bases for name in image.env(stage)}
    assert contract.unknown_settings(names) == []


def test_build_context_keeps_what_the_build_copies_and_drops_the_rest() -> None:
    ignored = set(dockerignore_patterns())
    for needed in (".venv", "data", ".git", ".env", ".pytest_cache", ".ruff_cache", ".hypothesis"):
        assert needed in ignored, f".dockerignore should exclude {needed}"
    image = dockerfile()
    sources = [
        source
        for i in image.all("COPY")
        if not i.value.startswith("--from")
        for source in i.value.split()[:-1]
        if not source.startswith("--")
    ]
    assert contract.project_readme() in sources, "building the package needs the readme pyproject.toml names"
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file"
        assert source.rstrip("/") not in ignored, f"COPY {source}, but .dockerignore excludes it"


# --- compose.yaml ------------------------------------------------------------------------------------------------


def _services() -> dict[str, Any]:
    return compose()["services"]


def _synclead_services() -> dict[str, Any]:
    """The services that run this repository's image."""
    return {name: s for name, s in _services().items() if (s.get("build") or {}).get("context") == "."}


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {name: str(value) for name, value in env.items()}


def _has_healthcheck(service: dict[str, Any]) -> bool:
    check = service.get("healthcheck")
    if check is not None:
        return not check.get("disable", False)
    return (service.get("build") or {}).get("context") == "." and bool(dockerfile().all("HEALTHCHECK"))


def _command(service: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    argv = service.get("command") or exec_form(dockerfile().last("CMD", dockerfile().final_stage))
    assert isinstance(argv, list), "write compose commands as lists: no shell quoting to get wrong"
    return contract.command([interpolate(arg, EXAMPLE_ENV) for arg in argv])


def test_compose_structure() -> None:
    document = compose()
    services = _services()
    assert {"postgres", "redis", "gateway", "worker", "caddy"} <= set(services)
    assert set(document) <= {"name", "services", "volumes", "networks", "configs", "secrets"} | {
        key for key in document if key.startswith("x-")
    }
    declared = set(document.get("volumes") or {})
    for name, service in services.items():
        assert service.get("image") or service.get("build"), f"{name}: neither image nor build"
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name} mounts {source}, which does not exist"
            else:
                assert source in declared, f"{name} mounts volume {source}, not declared under `volumes`"
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on {dependency}, which is not a service"
            condition = rule["condition"]
            assert condition in ("service_started", "service_healthy", "service_completed_successfully")
            if condition == "service_healthy":
                assert _has_healthcheck(services[dependency]), f"{name} waits for {dependency} to be healthy"


def test_compose_databases() -> None:
    services = _services()
    postgres, redis = services["postgres"], services["redis"]
    # The knowledge base's vectors need the pgvector extension.
    assert postgres["image"] == "pgvector/pgvector:pg17"
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert redis["image"].startswith("redis:7")
    assert "ping" in redis["healthcheck"]["test"]
    for name in ("gateway", "worker"):
        url = urlparse(interpolate(_environment(services[name])["SYNCLEAD_DATABASE_URL"], EXAMPLE_ENV))
        assert url.scheme == "postgresql" and url.hostname == "postgres"
        assert url.password == EXAMPLE_ENV["POSTGRES_PASSWORD"]
        assert urlparse(_environment(services[name])["SYNCLEAD_REDIS_URL"]).hostname == "redis"


def test_compose_gateway_serves_with_workers_and_leaves_jobs_to_the_worker() -> None:
    gateway = _services()["gateway"]
    name, options = _command(gateway)
    assert name == "serve" and options["host"] == "0.0.0.0"
    assert options["workers"] and options["workers"] >= 1
    assert _environment(gateway)["SYNCLEAD_WORKER"] == "external"
    assert _has_healthcheck(gateway)
    for database in ("postgres", "redis"):
        assert gateway["depends_on"][database]["condition"] == "service_healthy"
    assert not gateway.get("ports"), "only Caddy is published; the gateway speaks plain HTTP"


def test_compose_gateway_and_worker_queue_the_jobs_on_redis() -> None:
    backends = {}
    for name, service in _synclead_services().items():
        env = {key: interpolate(value, EXAMPLE_ENV) for key, value in _environment(service).items()}
        backends[name] = contract.settings_for(env).tasks_backend
    # A gateway queueing where no worker reads would leave every call without its report.
    assert set(backends.values()) == {"django_tasks_rq.RQBackend"}, backends


def test_compose_gateway_outlives_its_drain() -> None:
    gateway = _services()["gateway"]
    default = contract.setting_default("SYNCLEAD_DRAIN_TIMEOUT_S")
    drain = int(_environment(gateway).get("SYNCLEAD_DRAIN_TIMEOUT_S", default))
    # Docker's default is 10 s: calls in progress would be cut at every restart.
    assert seconds(gateway["stop_grace_period"]) > drain


def test_compose_worker_runs_the_job_worker() -> None:
    services = _services()
    worker = services["worker"]
    name, _ = _command(worker)
    assert name == "worker"
    assert worker["image"] == services["gateway"]["image"]
    # The image's health check asks the gateway's port, where a worker listens on nothing.
    assert worker["healthcheck"] == {"disable": True}
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"


def test_compose_gateway_and_worker_share_the_data_directory() -> None:
    # A secret key or Twilio token left unset is made up in the data directory: both must read the same one.
    services = _synclead_services()
    assert set(services) == {"gateway", "worker"}
    mounts = set()
    for service in services.values():
        data_dir = _environment(service)["SYNCLEAD_DATA_DIR"]
        (mount,) = [m for m in service["volumes"] if m.split(":")[1] == data_dir]
        mounts.add(mount)
    assert len(mounts) == 1, mounts


def test_compose_environment_names_are_settings() -> None:
    for name, service in _synclead_services().items():
        unknown = set(_environment(service)) - contract.setting_names()
        assert not unknown, f"{name}: not settings of synclead.config.Settings: {sorted(unknown)}"


def test_compose_variables_are_in_the_env_example() -> None:
    used = interpolated_names(COMPOSE.read_text())
    example = env_file_names(COMPOSE_ENV_EXAMPLE)
    assert used - example == set(), "compose.yaml uses variables deploy/compose.env.example does not mention"
    stale = example - used - contract.setting_names()
    assert not stale, f"deploy/compose.env.example names what nothing reads: {sorted(stale)}"


# --- Caddy -------------------------------------------------------------------------------------------------------


def test_caddy_serves_the_public_url_and_proxies_to_the_gateway() -> None:
    services = _services()
    caddy = services["caddy"]
    assert f"./{CADDYFILE.relative_to(ROOT)}:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    published = {str(port).split(":")[-1] for port in caddy["ports"]}
    assert {"80", "443"} <= published, "ACME's HTTP challenge needs 80, callers need 443"
    (site,) = caddy_sites()
    assert site.address == "{$SYNCLEAD_DOMAIN}"
    domain = interpolate(_environment(caddy)["SYNCLEAD_DOMAIN"], EXAMPLE_ENV)
    for name, service in _synclead_services().items():
        public_url = interpolate(_environment(service)["SYNCLEAD_PUBLIC_URL"], EXAMPLE_ENV)
        assert public_url == f"https://{domain}", f"{name}: Twilio signs the URL Caddy serves"
    (proxy,) = [d for d in site.directives if d[0] == "reverse_proxy"]
    host, _, port = proxy[1].partition(":")
    assert host in _synclead_services(), f"Caddy proxies to {host}, not a service of this image"
    _, options = _command(services[host])
    assert int(port) == options["port"]


def test_caddy_keeps_calls_across_reloads_and_hides_metrics() -> None:
    (site,) = caddy_sites()
    (delay,) = [d for d in site.directives if d[0] == "stream_close_delay"]
    longest_call = max(
        int(_environment(s).get("SYNCLEAD_MAX_CALL_S", contract.setting_default("SYNCLEAD_MAX_CALL_S")))
        for s in _synclead_services().values()
    )
    assert seconds(delay[1]) > longest_call
    position = site.directives.index(["handle", "/metrics"])
    assert site.directives[position + 1][0] == "respond"


# --- README ------------------------------------------------------------------------------------------------------


def test_readme_deploy_section_names_real_commands_and_files() -> None:
    text = README.read_text()
    assert text.index("\n## Deploy\n") < text.index("\n## Configuration\n")
    section = readme_section("Deploy")
    code = " ".join(re.findall(r"```.*?```|`[^`\n]+`", section, flags=re.S))
    # `synclead NAME`, but not the namespace in `kubectl -n synclead apply`.
    commands = set(re.findall(r"(?<!-n )(?<!namespace )\bsynclead ([a-z][a-z_]*)", code))
    assert {"serve", "worker"} <= commands
    unknown = commands - contract.command_names()
    assert not unknown, f"the README's Deploy section runs commands that do not exist: {sorted(unknown)}"
    for path in set(re.findall(r"(?<![\w/.-])(deploy/[\w./-]*[\w/]|compose\.yaml|Dockerfile)", section)):
        assert (ROOT / path).exists(), f"the README's Deploy section names {path}, which does not exist"
    labels = {(k, v) for _, m in manifests() for k, v in m["metadata"].get("labels", {}).items()}
    for key, value in re.findall(r" -l ([\w./-]+)=([\w.-]+)", code):
        assert (key, value) in labels, f"the README selects {key}={value}, which no manifest carries"
