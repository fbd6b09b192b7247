"""What a reviewer checks in the deployment files, without Docker or a cluster.

docker-compose.yml, deploy/k8s/, deploy/Dockerfile, deploy/postgres-init/ and
deploy/topics.yaml must agree with each other and with the services' contracts.
Every Kubernetes object is valid against the API's JSON schemas for KUBERNETES_VERSION
(shipped in the pinned `kubernetes-validate` package), and docker-compose.yml against
the Compose Specification's schema (shipped in the pinned `check-jsonschema` package):
nothing is downloaded when the tests run.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
TOPICS_FILE_IN_IMAGE = "/app/deploy/topics.yaml"

PORTS = {"billing": 8001, "dunning": 8002, "pause": 8003}
SERVICES = list(PORTS)
COMMON_VARS = ["KAFKA_BOOTSTRAP_SERVERS", "BIND_HOST", "APP_ENV"]
SECRET_VARS = {"ADMIN_API_KEY", "FINANCE_API_KEY", "STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET"}
CONTRACT_TOPICS = {"billing.events", "billing.commands", "dunning.events", "pause.events", "notifications"}
KUBERNETES_VERSION = "1.31"  # the oldest cluster version the manifests promise to apply on


Yaml = dict[str, Any]  # a mapping as read from a YAML file


def db_var(service: str) -> str:
    return f"{service.upper()}_DATABASE_URL"


def port_var(service: str) -> str:
    return f"{service.upper()}_PORT"


# ---- loading ------------------------------------------------------------------


@cache
def compose() -> Yaml:
    document: Yaml = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def compose_env(service: str) -> dict[str, str]:
    env = compose()["services"][service].get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


@cache
def k8s_objects() -> list[Yaml]:
    objects: list[Yaml] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            objects += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return objects


def k8s(kind: str, name: str) -> Yaml:
    matches = [o for o in k8s_objects() if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def pod_spec(service: str) -> Yaml:
    spec: Yaml = k8s("Deployment", service)["spec"]["template"]["spec"]
    return spec


def all_containers(spec: Yaml) -> list[Yaml]:
    containers: list[Yaml] = spec.get("initContainers", []) + spec["containers"]
    return containers


def main_container(service: str) -> Yaml:
    return next(c for c in pod_spec(service)["containers"] if c["name"] == service)


def secret_values() -> dict[str, str]:
    secret = k8s("Secret", "beach-secrets")
    assert "data" not in secret, "the template must use readable stringData placeholders"
    return {k: str(v) for k, v in secret["stringData"].items()}


def resolved_env(container: Yaml) -> dict[str, str]:
    """The container's environment, with ConfigMap and Secret references looked up."""
    config = k8s("ConfigMap", "beach-config")["data"]
    secret = secret_values()
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            assert source["configMapRef"]["name"] == "beach-config"
            env.update(config)
        else:
            assert source["secretRef"]["name"] == "beach-secrets"
            env.update(secret)
    for var in container.get("env", []):
        ref = var.get("valueFrom", {})
        if "secretKeyRef" in ref:
            assert ref["secretKeyRef"]["name"] == "beach-secrets"
            env[var["name"]] = secret[ref["secretKeyRef"]["key"]]
        elif "configMapKeyRef" in ref:
            assert ref["configMapKeyRef"]["name"] == "beach-config"
            env[var["name"]] = config[ref["configMapKeyRef"]["key"]]
        else:
            env[var["name"]] = str(var["value"])
    return env


@cache
def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "deploy" / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        cast("tuple[str, str]", tuple(line.split(None, 1)))
        for line in lines
        if line and not line.startswith("#")
    ]


@cache
def topics_file() -> Yaml:
    document: Yaml = yaml.safe_load((ROOT / "deploy" / "topics.yaml").read_text())
    return document


# ---- environment ----------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_every_compose_service_sets_the_variables_it_needs(service: str) -> None:
    env = compose_env(service)
    for var in [*COMMON_VARS, db_var(service), port_var(service)]:
        assert env.get(var), f"compose {service} lacks {var}"
    assert env["BIND_HOST"] == "0.0.0.0"
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


@pytest.mark.parametrize("service", SERVICES)
def test_every_k8s_container_sets_the_variables_it_needs(service: str) -> None:
    for container in all_containers(pod_spec(service)):
        env = resolved_env(container)
        for var in [*COMMON_VARS, db_var(service), port_var(service)]:
            assert env.get(var), f"k8s {service}/{container['name']} lacks {var}"
        assert env["BIND_HOST"] == "0.0.0.0"


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_gets_its_own_database_url_and_no_other(service: str) -> None:
    k8s_envs = [resolved_env(c) for c in all_containers(pod_spec(service))]
    for env in [compose_env(service), *k8s_envs]:
        url = urlsplit(env[db_var(service)])
        assert url.scheme.startswith("postgresql")
        assert url.path == f"/{service}"
        assert url.username == service
        assert not {db_var(other) for other in SERVICES if other != service} & env.keys()


def test_compose_runs_in_development_and_k8s_in_production() -> None:
    assert {compose_env(s)["APP_ENV"] for s in SERVICES} == {"development"}
    assert "production must set real keys" in (ROOT / "docker-compose.yml").read_text()
    assert {resolved_env(main_container(s))["APP_ENV"] for s in SERVICES} == {"production"}


# ---- ports and probes ---------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_ports_are_8001_8002_8003_everywhere(service: str) -> None:
    port = PORTS[service]
    assert compose_env(service)[port_var(service)] == str(port)
    assert compose()["services"][service]["ports"] == [f"127.0.0.1:{port}:{port}"]
    container = main_container(service)
    assert resolved_env(container)[port_var(service)] == str(port)
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    svc_ports = k8s("Service", service)["spec"]["ports"]
    assert svc_ports == [{"name": "http", "port": port, "targetPort": "http"}]


@pytest.mark.parametrize("service", SERVICES)
def test_probes_point_at_healthz_and_readyz(service: str) -> None:
    container = main_container(service)
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    healthcheck = " ".join(compose()["services"][service]["healthcheck"]["test"])
    assert f"http://127.0.0.1:{PORTS[service]}/readyz" in healthcheck


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_services_route_to_their_own_pods(service: str) -> None:
    selector = k8s("Service", service)["spec"]["selector"]
    labels = k8s("Deployment", service)["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()
    assert selector == {"app.kubernetes.io/name": service}


# ---- start-up order --------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_run_before_each_service_serves(service: str) -> None:
    command = compose()["services"][service]["command"]
    assert re.search(rf"python -m {service} migrate && (exec )?python -m {service} serve", " ".join(command))
    [init] = pod_spec(service)["initContainers"]
    assert init["command"] == ["python", "-m", service, "migrate"]
    assert main_container(service)["command"] == ["python", "-m", service, "serve"]


@pytest.mark.parametrize("service", SERVICES)
def test_compose_services_wait_for_kafka_postgres_and_topics(service: str) -> None:
    assert compose()["services"][service]["depends_on"] == {
        "kafka": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
        "topics": {"condition": "service_completed_successfully"},
    }


def test_compose_runs_kafka_in_kraft_mode_as_kafka_9092_and_postgres_15() -> None:
    services = compose()["services"]
    kafka = services["kafka"]
    assert kafka["image"] == "apache/kafka:3.8.0"
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert "healthcheck" in kafka
    assert "healthcheck" in services["postgres"]
    assert services["postgres"]["image"].startswith("postgres:15")


def test_postgres_init_creates_the_three_databases() -> None:
    sql = " ".join(p.read_text() for p in (ROOT / "deploy" / "postgres-init").glob("*.sql"))
    for service in SERVICES:
        assert re.search(rf"CREATE DATABASE {service}\b", sql, re.IGNORECASE)
    volumes = compose()["services"]["postgres"]["volumes"]
    assert "./deploy/postgres-init:/docker-entrypoint-initdb.d:ro" in volumes


# ---- topics ---------------------------------------------------------------------------


def test_topics_file_defines_every_contract_topic_and_dead_letters() -> None:
    spec = topics_file()
    for topic in spec["topics"]:
        assert set(topic) >= {"name", "partitions", "retention_ms"}
        assert topic["partitions"] >= 1
        assert topic["retention_ms"] > 0
    assert {t["name"] for t in spec["topics"]} >= CONTRACT_TOPICS
    assert spec["dlq"]["partitions"] >= 1
    assert spec["dlq"]["retention_ms"] > 0


def test_every_topic_is_reachable_from_the_topics_jobs_command() -> None:
    # The image carries the file at TOPICS_FILE_IN_IMAGE; both jobs create what it lists.
    assert ("COPY", f"deploy/topics.yaml {TOPICS_FILE_IN_IMAGE}") in dockerfile_instructions()
    expected = ["python", "-m", "shared.messaging.topics", "--file", TOPICS_FILE_IN_IMAGE]
    job = k8s("Job", "create-topics")["spec"]["template"]["spec"]
    assert [c["command"] for c in job["containers"]] == [expected]
    assert resolved_env(job["containers"][0])["KAFKA_BOOTSTRAP_SERVERS"]
    topics = compose()["services"]["topics"]
    assert topics["command"] == expected
    assert topics["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert compose()["services"]["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


# ---- secrets and security -----------------------------------------------------------------

REAL_LOOKING = re.compile(
    r"(sk|rk|pk)_(live|test)_[A-Za-z0-9]{6,}"  # Stripe API keys
    r"|whsec_[A-Za-z0-9]{6,}"  # Stripe webhook signing secrets
    r"|[A-Za-z0-9+/_-]{32,}"  # any long random-looking token
)


def test_the_k8s_secret_holds_only_placeholders() -> None:
    values = secret_values()
    assert SECRET_VARS | {db_var(s) for s in SERVICES} <= values.keys()
    for key, value in values.items():
        assert "REPLACE_ME" in value, f"{key} is not a placeholder"
        assert not REAL_LOOKING.search(value), f"{key} looks like a real secret"
        if key.endswith("_DATABASE_URL"):
            assert urlsplit(value).password == "REPLACE_ME"


def test_secrets_reach_containers_only_through_the_secret() -> None:
    secret_names = SECRET_VARS | {db_var(s) for s in SERVICES}
    assert not secret_names & k8s("ConfigMap", "beach-config")["data"].keys()
    for service in SERVICES:
        for container in all_containers(pod_spec(service)):
            for var in container.get("env", []):
                if var["name"] in secret_names:
                    assert "secretKeyRef" in var.get("valueFrom", {}), f"{service}: {var['name']}"
    for service in SERVICES:
        assert not SECRET_VARS & compose_env(service).keys(), "compose must not carry API keys"


def test_kustomize_applies_every_manifest_but_never_the_secret_template() -> None:
    resources = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    manifests = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.template.yaml"}
    assert set(resources) == manifests
    assert {"Namespace", "ConfigMap", "Deployment", "Service", "Job"} <= {
        o["kind"] for r in resources for o in yaml.safe_load_all((K8S / r).read_text()) if o
    }


def test_every_k8s_pod_runs_as_non_root_with_limits_and_no_service_links() -> None:
    specs = [pod_spec(s) for s in SERVICES] + [k8s("Job", "create-topics")["spec"]["template"]["spec"]]
    for spec in specs:
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["enableServiceLinks"] is False  # else Services inject BILLING_PORT=tcp://...
        for container in all_containers(spec):
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
            assert {"cpu", "memory"} <= container["resources"]["limits"].keys()


def test_dockerfile_installs_with_constraints_and_does_not_run_as_root() -> None:
    instructions = dockerfile_instructions()
    assert {args.split()[0] for op, args in instructions if op == "FROM"} == {"python:3.11-slim"}
    pip = [args for op, args in instructions if op == "RUN" and "pip install" in args]
    assert pip
    assert all("-c constraints.txt" in args for args in pip)
    for package in ["./shared", "./services/billing", "./services/dunning", "./services/pause"]:
        assert package in pip[0].split()
    final_stage = instructions[max(i for i, (op, _) in enumerate(instructions) if op == "FROM") :]
    users = [args for op, args in final_stage if op == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}


# ---- schemas ------------------------------------------------------------------------------


@pytest.mark.parametrize("obj", k8s_objects(), ids=lambda o: f"{o['kind']}/{o['metadata']['name']}")
def test_every_k8s_object_is_valid_against_the_kubernetes_schema(obj: Yaml) -> None:
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}")


def test_the_kubernetes_schema_check_rejects_a_misspelt_field() -> None:
    broken = copy.deepcopy(k8s("PodDisruptionBudget", "billing"))
    broken["spec"]["minAvailible"] = broken["spec"].pop("minAvailable")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


@cache
def compose_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return validator


def test_docker_compose_is_valid_against_the_compose_specification() -> None:
    errors = [
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in compose_validator().iter_errors(compose())
    ]
    assert errors == []


def test_the_compose_schema_check_rejects_a_misspelt_key_and_a_bad_port() -> None:
    broken = copy.deepcopy(compose())
    broken["services"]["billing"]["healthchek"] = broken["services"]["billing"].pop("healthcheck")
    broken["services"]["dunning"]["ports"] = "8002"
    paths = {tuple(map(str, e.path)) for e in compose_validator().iter_errors(broken)}
    assert {("services", "billing"), ("services", "dunning", "ports")} <= paths


# ---- scaling and disruption --------------------------------------------------------------


@cache
def consumers() -> dict[str, dict[str, str]]:
    """Each service's consumer groups (a consumer's name) and the topic each reads, from
    the services' own wiring."""
    from billing.bootstrap import bootstrap as billing
    from billing.settings import BillingSettings
    from dunning.bootstrap import bootstrap as dunning
    from dunning.settings import DunningSettings
    from pause.bootstrap import bootstrap as pause
    from pause.settings import PauseSettings
    from shared.service import Service
    from shared.testing.services import settings_for

    unused = "sqlite:///nothing-is-opened.db"  # building a service opens no connection
    services: list[Service[Any, Any]] = [
        billing(settings_for(BillingSettings, BILLING_DATABASE_URL=unused)),
        dunning(settings_for(DunningSettings, DUNNING_DATABASE_URL=unused)),
        pause(settings_for(PauseSettings, PAUSE_DATABASE_URL=unused)),
    ]
    return {s.name: {c.name: c.topic.value for c in s.consumers} for s in services}


def consumed_topics() -> dict[str, set[str]]:
    return {service: set(groups.values()) for service, groups in consumers().items()}


@pytest.mark.parametrize("service", SERVICES)
def test_each_consumer_deployment_scales_no_further_than_its_topics_partitions(service: str) -> None:
    partitions = {t["name"]: t["partitions"] for t in topics_file()["topics"]}
    topics = consumed_topics()[service]
    assert topics, f"{service} consumes topics"
    hpa = k8s("HorizontalPodAutoscaler", service)["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    assert hpa["maxReplicas"] == min(partitions[t] for t in topics)
    assert 2 <= hpa["minReplicas"] <= hpa["maxReplicas"]
    assert "replicas" not in k8s("Deployment", service)["spec"], "the autoscaler owns the count"


@pytest.mark.parametrize("service", SERVICES)
def test_a_disruption_budget_keeps_one_pod_of_each_service_serving(service: str) -> None:
    budget = k8s("PodDisruptionBudget", service)["spec"]
    assert budget["minAvailable"] == 1
    labels = k8s("Deployment", service)["spec"]["template"]["metadata"]["labels"]
    assert budget["selector"]["matchLabels"].items() <= labels.items()
    assert budget["minAvailable"] < k8s("HorizontalPodAutoscaler", service)["spec"]["minReplicas"]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_scales_on_the_lag_of_every_consumer_group_it_runs(service: str) -> None:
    """A consumer waiting on the database falls behind with little CPU: the autoscaler
    must see each group's backlog, through the adapter's external metric."""
    adapter = yaml.safe_load((ROOT / "deploy" / "prometheus-adapter" / "rules.yaml").read_text())
    (rule,) = adapter["externalRules"]
    metrics = k8s("HorizontalPodAutoscaler", service)["spec"]["metrics"]
    lag = {
        m["external"]["metric"]["selector"]["matchLabels"]["group"]: m["external"]
        for m in metrics
        if m["type"] == "External"
    }
    assert set(lag) == set(consumers()[service]), "one lag target per consumer group, no stale ones"
    for group, external in lag.items():
        assert external["metric"]["name"] == rule["name"]["as"], group
        assert external["target"]["type"] == "AverageValue", "lag is split over the replicas"
        assert int(external["target"]["averageValue"]) > 0, group
    assert any(m["type"] == "Resource" and m["resource"]["name"] == "cpu" for m in metrics)
