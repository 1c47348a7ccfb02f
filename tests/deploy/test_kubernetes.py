"""deploy/kubernetes: valid objects for the Kubernetes releases we support, wired to each other and to the code.

Schemas come from the `kubernetes-validate` package (offline). `kubectl kustomize` is used when it is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any
from urllib.parse import urlparse

import kubernetes_validate
import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from synclead.gateway import metrics
from synclead.web.dashboard.forms import MAX_FILES_PER_UPLOAD, MAX_UPLOAD_BYTES
from tests.deploy import contract
from tests.deploy.artifacts import (
    KUBERNETES,
    MONITORING,
    Manifest,
    dockerfile,
    find,
    kustomization,
    manifests,
    pod_spec,
    workloads,
    yaml_documents,
)

# The oldest Kubernetes the manifests promise to run on (README, "Deploy"), and the newest the package knows.
KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.latest_version())
SECRET_TEMPLATE = "secret.example.yaml"
IMAGE = "synclead"


def _containers(workload: Manifest) -> list[Manifest]:
    return pod_spec(workload)["containers"]


def _synclead_containers() -> list[tuple[Manifest, Manifest]]:
    """(workload, container) for every container that runs this repository's image."""
    found = [(w, c) for w in workloads() for c in _containers(w) if c["image"] == IMAGE]
    assert found
    return found


def _gateway() -> Manifest:
    return find("Deployment", "synclead-gateway")


def _gateway_container() -> Manifest:
    (container,) = _containers(_gateway())
    return container


def _config() -> dict[str, str]:
    return find("ConfigMap")["data"]


def _secret() -> dict[str, str]:
    return find("Secret")["stringData"]


def _configured(name: str) -> Any:
    """A setting as the pods see it: the ConfigMap's value, else the code's default."""
    return _config().get(name, contract.setting_default(name))


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and selector.items() <= labels.items()


def _nginx_size(value: str) -> int:
    units = {"k": 2**10, "m": 2**20, "g": 2**30}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].isalpha() else int(value)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_manifests_match_the_kubernetes_schema(version: str) -> None:
    errors = []
    for path, manifest in manifests():
        where = f"{path.name}: {manifest['kind']}/{manifest['metadata']['name']}"
        try:
            # Strict: an unknown field (a misspelt probe, say) is an error, not silently ignored by the cluster.
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{where} at {'.'.join(map(str, error.path))}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            errors.append(f"{where}: {error.message}")
    assert not errors, "\n".join(errors)


def test_manifests_are_namespace_agnostic() -> None:
    for path, manifest in manifests():
        assert "namespace" not in manifest["metadata"], f"{path.name}: the namespace is chosen at apply time"
    assert "namespace" not in kustomization()


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    listed = kustomization()["resources"]
    on_disk = sorted(p.name for p in KUBERNETES.glob("*.yaml") if p.name not in ("kustomization.yaml", SECRET_TEMPLATE))
    assert sorted(listed) == on_disk
    # Applying the manifests must never overwrite the real secret with the placeholders.
    assert SECRET_TEMPLATE not in listed
    (image,) = kustomization()["images"]
    assert image["name"] == IMAGE
    for workload, container in _synclead_containers():
        assert "command" not in container, f"{workload['metadata']['name']}: keep the image's `synclead` entrypoint"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomize_builds_every_object_with_the_image_set() -> None:
    built = subprocess.run(
        ["kubectl", "kustomize", str(KUBERNETES)], capture_output=True, text=True, timeout=60, check=False
    )
    assert built.returncode == 0, built.stderr
    objects = [d for d in yaml.safe_load_all(built.stdout) if d]
    expected = {(m["kind"], m["metadata"]["name"]) for _, m in manifests() if m["kind"] != "Secret"}
    assert {(o["kind"], o["metadata"]["name"]) for o in objects} == expected
    (image,) = kustomization()["images"]
    images = {c["image"] for o in objects if o["kind"] in ("Deployment", "Job") for c in _containers(o)}
    assert images == {f"{image['newName']}:{image['newTag']}"}


def test_every_container_runs_a_synclead_command() -> None:
    for _, container in _synclead_containers():
        contract.command(container["args"])
    assert contract.command(_gateway_container()["args"])[0] == "serve"
    assert contract.command(_containers(find("Job", "synclead-migrate"))[0]["args"])[0] == "migrate"
    assert contract.command(_containers(find("Deployment", "synclead-worker"))[0]["args"])[0] == "worker"


def test_configuration_names_are_settings() -> None:
    names = set(_config()) | set(_secret())
    for _, container in _synclead_containers():
        names |= {item["name"] for item in container.get("env", [])}
    unknown = names - contract.setting_names()
    assert not unknown, f"not settings of synclead.config.Settings: {sorted(unknown)}"


def test_environment_sources_exist() -> None:
    config_maps = {m["metadata"]["name"] for _, m in manifests() if m["kind"] == "ConfigMap"}
    secrets = {m["metadata"]["name"] for _, m in manifests() if m["kind"] == "Secret"}
    for workload, container in _synclead_containers():
        sources = container["envFrom"]
        assert {s["configMapRef"]["name"] for s in sources if "configMapRef" in s} <= config_maps
        assert {s["secretRef"]["name"] for s in sources if "secretRef" in s} <= secrets
        assert any("secretRef" in s for s in sources), f"{workload['metadata']['name']} gets no secrets"


def test_secret_template_holds_placeholders_for_what_every_pod_must_share() -> None:
    secret = _secret()
    for name, value in secret.items():
        assert value == "" or "CHANGE-ME" in value, f"{name}: the template holds only placeholders"
    assert urlparse(secret["SYNCLEAD_DATABASE_URL"]).scheme == "postgresql"
    assert urlparse(secret["SYNCLEAD_REDIS_URL"]).scheme == "redis"
    # Left empty, each pod would make up its own: sessions would not survive a hop between pods, and Twilio's
    # signatures would fail.
    assert {"SYNCLEAD_SECRET_KEY", "TWILIO_AUTH_TOKEN"} <= {k for k, v in secret.items() if v}


def test_gateways_and_workers_queue_the_jobs_on_redis() -> None:
    # Every pod reads the same ConfigMap and Secret; the worker pods exist to drain the queue the gateways fill.
    settings = contract.settings_for({**_config(), **_secret()})
    assert settings.worker == "external", "gateways would run the jobs themselves, and the workers idle"
    assert settings.tasks_backend == "django_tasks_rq.RQBackend"
    assert find("Deployment", "synclead-worker")


def test_gateway_probes_follow_the_health_contract() -> None:
    container = _gateway_container()
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    _, options = contract.command(container["args"])
    assert list(ports.values()) == [options["port"]]
    paths = {}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        check = container[probe]["httpGet"]
        assert check["port"] in ports or check["port"] == options["port"]
        paths[probe] = check["path"]
    assert paths == {"startupProbe": "/healthz", "livenessProbe": "/healthz", "readinessProbe": "/readyz"}


def test_gateway_outlives_its_drain() -> None:
    spec = pod_spec(_gateway())
    command = _gateway_container()["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep", command
    drain = int(_configured("SYNCLEAD_DRAIN_TIMEOUT_S"))
    assert spec["terminationGracePeriodSeconds"] > int(command[1]) + drain


def test_gateway_runs_one_process_per_requested_core() -> None:
    container = _gateway_container()
    _, options = contract.command(container["args"])
    # Without --workers the gateway counts the node's cores, not this pod's share.
    assert options["workers"] == int(container["resources"]["requests"]["cpu"])
    assert "cpu" not in container["resources"].get("limits", {}), "CPU throttling stalls every call's audio"


def test_gateway_is_reached_through_its_service_and_ingress() -> None:
    labels = _gateway()["spec"]["template"]["metadata"]["labels"]
    assert _gateway()["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = find("Service", "synclead-gateway")
    assert _selects(service["spec"]["selector"], labels)
    port_names = {p["name"] for p in _gateway_container()["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names
    ingress = find("Ingress")
    public_url = urlparse(_config()["SYNCLEAD_PUBLIC_URL"])
    assert public_url.scheme == "https", "Twilio's media streams need wss://"
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == public_url.hostname, "webhook signatures are checked against SYNCLEAD_PUBLIC_URL"
    assert any(public_url.hostname in tls["hosts"] for tls in ingress["spec"]["tls"])
    (path,) = rule["http"]["paths"]
    backend = path["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    assert backend["port"].get("name") in {p["name"] for p in service["spec"]["ports"]}


def test_ingress_keeps_long_calls_and_takes_uploads() -> None:
    annotations = find("Ingress")["metadata"]["annotations"]
    longest_call = int(_configured("SYNCLEAD_MAX_CALL_S"))
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(annotations[f"nginx.ingress.kubernetes.io/{timeout}"]) > longest_call
    body = _nginx_size(annotations["nginx.ingress.kubernetes.io/proxy-body-size"])
    assert body == 0 or body > MAX_UPLOAD_BYTES * MAX_FILES_PER_UPLOAD


def _metric_names() -> set[str]:
    return {
        family.name
        for value in vars(metrics).values()
        if isinstance(value, MetricWrapperBase)
        for family in value.describe()
    }


def test_autoscaler_scales_the_gateway_on_active_calls() -> None:
    hpa = find("HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", _gateway()["metadata"]["name"])
    # A fixed count would be reset at every apply, fighting the autoscaler.
    assert "replicas" not in _gateway()["spec"]
    assert hpa["spec"]["minReplicas"] >= 2
    pods = [m["pods"] for m in hpa["spec"]["metrics"] if m["type"] == "Pods"]
    assert [p["metric"]["name"] for p in pods] == ["synclead_active_calls"]
    assert "synclead_active_calls" in _metric_names(), "the gateway no longer exports the autoscaler's metric"
    assert pods[0]["target"]["type"] == "AverageValue"


def test_monitoring_publishes_the_autoscaler_metric() -> None:
    (values,) = yaml_documents(MONITORING / "prometheus-adapter-values.yaml")
    published = {rule["name"]["as"] for rule in values["rules"]["custom"]}
    wanted = {m["pods"]["metric"]["name"] for m in find("HorizontalPodAutoscaler")["spec"]["metrics"] if "pods" in m}
    assert wanted <= published
    (monitor,) = yaml_documents(MONITORING / "podmonitor.yaml")
    labels = _gateway()["spec"]["template"]["metadata"]["labels"]
    assert _selects(monitor["spec"]["selector"]["matchLabels"], labels)
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    assert endpoint["port"] in {p["name"] for p in _gateway_container()["ports"]}
    assert endpoint["path"] == "/metrics"


def test_disruption_budget_covers_the_gateway() -> None:
    budget = find("PodDisruptionBudget")
    assert _selects(budget["spec"]["selector"]["matchLabels"], _gateway()["spec"]["template"]["metadata"]["labels"])


def _mounts(workload: Manifest, container: Manifest) -> dict[str, Manifest]:
    """Mount path -> the pod volume mounted there."""
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    return {m["mountPath"]: volumes[m["name"]] for m in container.get("volumeMounts", [])}


def test_recordings_are_on_a_shared_volume() -> None:
    recordings = str(contract.recordings_dir(_config()["SYNCLEAD_DATA_DIR"]))
    volume = _mounts(_gateway(), _gateway_container())[recordings]
    claim = find("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
    # Any gateway pod may play or purge a recording another one wrote.
    assert "ReadWriteMany" in claim["spec"]["accessModes"]


def test_every_container_can_write_where_the_service_writes() -> None:
    data_dir = _config()["SYNCLEAD_DATA_DIR"]
    for workload, container in _synclead_containers():
        mounts = _mounts(workload, container)
        name = workload["metadata"]["name"]
        assert data_dir in mounts, f"{name}: nothing writable on SYNCLEAD_DATA_DIR"
        if container.get("securityContext", {}).get("readOnlyRootFilesystem"):
            assert "/tmp" in mounts, f"{name}: temporary files need a writable /tmp"
    # The gateway keeps its processes' metrics files in the data directory: shared, a pod would count the calls of
    # every pod (and clear their files when it starts).
    assert "emptyDir" in _mounts(_gateway(), _gateway_container())[data_dir]


def test_pods_run_as_the_image_user_and_find_its_models() -> None:
    image = dockerfile()
    uid = int(image.last("USER", image.final_stage).value.split(":")[0])
    for workload in workloads():
        context = pod_spec(workload)["securityContext"]
        assert context["runAsNonRoot"] is True
        assert context["runAsUser"] == uid
    models = contract.models_dir(_config()["SYNCLEAD_DATA_DIR"], _config().get("SYNCLEAD_MODELS_DIR"))
    assert str(models) == image.env(image.final_stage)["SYNCLEAD_MODELS_DIR"], "the models are in the image"
