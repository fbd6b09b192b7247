"""What operators run on: the alert rules, their unit tests and the Grafana dashboard.

promtool (Debian's `prometheus` package) checks the rules and runs their tests; under
REQUIRE_REAL_SERVICES=1 a missing promtool fails these tests. Every metric a rule or a
panel queries must be one the services serve, so a renamed metric cannot leave an
alert that never fires.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.metrics_core import Metric

import billing.metrics
import dunning.metrics
import shared.metrics
from dunning.domain.decisions import BEACH_OFFER_TEMPLATE, CARD_UPDATE_TEMPLATES, HARD_DECLINE_TEMPLATE
from dunning.service_layer.messages import CARD_EXPIRING_TEMPLATE
from pause.service_layer.customer_messages import RESUME_REMINDER_TEMPLATE

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
DASHBOARD = ROOT / "deploy" / "grafana" / "beach-billing.json"
SERVICE_METRIC_MODULES = (shared.metrics, billing.metrics, dunning.metrics)
FROM_PROMETHEUS = {"up"}  # what Prometheus itself records for every target
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
}
PROMQL_WORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool"}


def service_metric_families() -> list[Metric]:
    """The metrics the services' own modules define (not a test's, nor the client's)."""
    return [
        family
        for module in SERVICE_METRIC_MODULES
        for value in vars(module).values()
        if isinstance(value, MetricWrapperBase)
        for family in value.describe()
    ]


@cache
def served_metrics() -> set[str]:
    """Every sample name those metrics can serve."""
    return {
        f"{family.name}{suffix}"
        for family in service_metric_families()
        for suffix in SUFFIXES.get(family.type, ("",))
    }


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads, parsed simply: drop strings, label
    matchers, ranges and grouping clauses, then keep the identifiers that are not
    functions or keywords."""
    expr = re.sub(r'"[^"]*"', "", expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", expr)
    return {n for n in names if n not in PROMQL_WORDS and not re.fullmatch(r"\d+[smhdwy]", n)}


@cache
def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((PROMETHEUS / "alerts.yaml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


@cache
def dashboard() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return document


def dashboard_exprs() -> list[str]:
    return [t["expr"] for p in dashboard()["panels"] for t in p.get("targets", [])]


def run(promtool: str, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [promtool, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=60, check=False
    )
    return done.returncode, done.stdout + done.stderr


def test_promtool_finds_nothing_wrong_with_the_rules_or_the_scrape_config(promtool: str) -> None:
    code, output = run(promtool, "check", "rules", "--lint=all", "--lint-fatal", "alerts.yaml")
    assert code == 0, output
    assert "SUCCESS: 6 rules found" in output
    code, output = run(promtool, "check", "config", "--lint=all", "--lint-fatal", "prometheus.yml")
    assert code == 0, output
    assert "WARNING" not in output


def test_the_alerts_fire_when_their_unit_tests_say(promtool: str) -> None:
    code, output = run(promtool, "test", "rules", "alerts.test.yaml")
    assert code == 0, output
    assert "SUCCESS" in output


def test_every_alert_is_unit_tested_and_has_a_severity_and_a_summary() -> None:
    tests = yaml.safe_load((PROMETHEUS / "alerts.test.yaml").read_text())["tests"]
    tested = {case["alertname"] for test in tests for case in test["alert_rule_test"] if case["exp_alerts"]}
    names = {rule["alert"] for rule in alert_rules()}
    assert names == {
        "OutboxStalled",
        "ConsumerLagHigh",
        "DeadLettersGrowing",
        "PaymentFailureRateHigh",
        "ServiceNotReady",
        "ServiceDown",
    }
    assert tested == names, "each alert has a test where it fires"
    for rule in alert_rules():
        assert rule["labels"]["severity"] in {"page", "ticket"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]


def test_alerts_read_only_metrics_the_services_serve() -> None:
    for rule in alert_rules():
        used = metric_names(rule["expr"])
        assert used, rule["alert"]
        assert used <= served_metrics() | FROM_PROMETHEUS, (rule["alert"], used - served_metrics())


def test_the_dashboard_is_valid_json_with_unique_panel_ids_and_a_datasource_choice() -> None:
    board = dashboard()
    assert board["uid"] == "beach-billing-ops"
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    assert [v["type"] for v in board["templating"]["list"]] == ["datasource"]
    for panel in board["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
            assert panel["targets"], panel["title"]


def test_the_dashboard_queries_only_metrics_the_services_serve_and_shows_each_operators_metric() -> None:
    used = set().union(*(metric_names(expr) for expr in dashboard_exprs()))
    assert used <= served_metrics() | FROM_PROMETHEUS, used - served_metrics()
    for needed in [
        "billing_payments_total",
        "consumer_lag_messages",
        "message_handler_duration_seconds_bucket",
        "dunning_cases",
        "notifications_sent_total",
        "outbox_oldest_pending_age_seconds",
        "readiness_check_ok",
        "metric_label_values_unknown_total",
    ]:
        assert needed in used, needed


def test_the_expression_parser_finds_metrics_and_skips_functions_labels_and_keywords() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, consumer) (rate(a_bucket{job="x"}[5m])))'
        " / on (job) group_left b_total and c > 0.25"
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "c"}


def test_the_notifier_counts_every_template_the_services_ask_for_by_its_name() -> None:
    asked = {
        *CARD_UPDATE_TEMPLATES,
        HARD_DECLINE_TEMPLATE,
        BEACH_OFFER_TEMPLATE,
        CARD_EXPIRING_TEMPLATE,
        RESUME_REMINDER_TEMPLATE,
    }
    assert asked == dunning.metrics.TEMPLATES.known


def test_the_deploy_readme_lists_every_metric_the_services_serve() -> None:
    readme = (ROOT / "deploy" / "README.md").read_text()
    names = {f"{f.name}_total" if f.type == "counter" else f.name for f in service_metric_families()}
    assert len(names) >= 18
    assert {name for name in names if f"`{name}" not in readme} == set()


def adapter_query(matchers: str) -> str:
    """The adapter's query for the lag metric, as it sends it for an autoscaler's selector."""
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus-adapter" / "rules.yaml").read_text())
    (rule,) = rules["externalRules"]
    series = re.search(r"^\s*(\w+)\{", rule["seriesQuery"])
    assert series is not None
    query: str = rule["metricsQuery"]
    return query.replace("<<.Series>>", series.group(1)).replace("<<.LabelMatchers>>", matchers)


def test_the_autoscalers_lag_reads_a_metric_the_services_serve() -> None:
    used = metric_names(adapter_query('namespace="beach-billing"'))
    assert used == {"consumer_lag_messages"}
    assert used <= served_metrics()


def test_the_autoscalers_lag_counts_each_partition_once_however_many_replicas_report_it(
    promtool: str, tmp_path: Path
) -> None:
    """Two replicas report the same group's lag; the backlog is the partitions' sum, once."""
    series = (
        'consumer_lag_messages{{namespace="beach-billing",group="{g}",topic="{t}",'
        'partition="{p}",pod="{pod}"}}'
    )
    inputs = [
        {"series": series.format(g=g, t=t, p=p, pod=pod), "values": f"{lag}x5"}
        for g, t, p, lag in (
            ("billing.commands", "billing.commands", 0, 700),
            ("billing.commands", "billing.commands", 1, 300),
            ("billing.pause-events", "pause.events", 0, 40),
        )
        for pod in ("billing-a", "billing-b")
    ]
    query = adapter_query('namespace="beach-billing",group="billing.commands"')
    tests = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": inputs,
                "promql_expr_test": [
                    {
                        "expr": query,
                        "eval_time": "2m",
                        "exp_samples": [{"labels": '{group="billing.commands"}', "value": 1000}],
                    }
                ],
            }
        ],
    }
    (tmp_path / "lag.test.yaml").write_text(yaml.safe_dump(tests))
    done = subprocess.run(
        [promtool, "test", "rules", "lag.test.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
