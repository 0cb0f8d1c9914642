"""`govnet lint` on whole designs: the reference is clean; each deliberately weak design fails
with the right 等保 clause on every device; broken rule files are design errors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govnet.checks.lint import LintRule, lint_config
from govnet.cli import app
from tests.conftest import REFERENCE, replace_in

runner = CliRunner()
MANAGEMENT = "topology/management.yaml"


def lint(design: Path) -> tuple[int, list[dict[str, str]]]:
    result = runner.invoke(app, ["lint", "--design", str(design), "--json"])
    return result.exit_code, json.loads(result.stdout)["findings"]


def test_reference_is_clean() -> None:
    result = runner.invoke(app, ["lint", "--design", str(REFERENCE)])
    assert result.exit_code == 0, result.output
    assert "lint clean: 62 configs" in result.output


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  telnet: false", "  telnet: true", {("8.1.4.1", "ssh-only")}),
        (
            "  servers: [10.199.255.21, 10.199.255.22]",
            "  servers: []",
            {("8.1.4.3", "syslog-two-servers"), ("网络安全法 art. 21", "log-retention")},
        ),
        (
            "  # allowed_prefixes defaults to topology/network.yaml management",
            "  allowed_prefixes: []",
            {("8.1.4.4", "management-acl"), ("8.1.3.2", "management-acl-default-deny")},
        ),
        (
            '  tacacs_key: {ref: "env:GOVNET_TACACS_KEY"}',
            '  tacacs_key: "Gov@2019"',
            {("8.1.4.1", "no-clear-text-secrets")},
        ),
    ],
    ids=["telnet-on", "no-syslog", "no-management-acl", "clear-text-secret"],
)
def test_weak_designs_fail_with_their_clause(
    design_dir: Path, old: str, new: str, expected: set[tuple[str, str]]
) -> None:
    replace_in(design_dir / MANAGEMENT, old, new)
    code, findings = lint(design_dir)
    assert code == 1
    found = {(f["clause"], f["rule"]) for f in findings}
    assert expected <= found
    # a platform may add rules of its own, but only under the same clauses
    assert {clause for clause, _ in found} == {clause for clause, _ in expected}
    per_rule = Counter(f["rule"] for f in findings)
    # every device of every platform fails each expected rule (62 devices in the reference)
    for _, rule in expected:
        assert len({f["device"] for f in findings if f["rule"] == rule}) == 62, rule
    assert all(f["evidence"] for f in findings)
    if new.startswith('  tacacs_key: "'):
        huawei = next(f for f in findings if f["device"] == "dg-humen")
        assert "Gov@2019" in huawei["evidence"]
    assert sum(per_rule.values()) >= 62


def test_table_output(design_dir: Path) -> None:
    replace_in(design_dir / MANAGEMENT, "  telnet: false", "  telnet: true")
    result = runner.invoke(app, ["lint", "--design", str(design_dir), "--hosts", "dg-humen"])
    assert result.exit_code == 1
    assert "等保2.0 lint:" in result.output and "finding(s)" in result.output
    assert (
        "dg-humen" in result.output and "8.1.4.1" in result.output and "ssh-only" in result.output
    )
    assert "dg-changan" not in result.output


def test_a_broken_rule_file_is_a_design_error(design_dir: Path) -> None:
    path = design_dir / "checks/lint/junos.yaml"
    text = path.read_text(encoding="utf-8")
    first_clause = next(line for line in text.splitlines() if line.strip().startswith("clause:"))
    path.write_text(text.replace(first_clause, "", 1), encoding="utf-8")
    result = runner.invoke(app, ["lint", "--design", str(design_dir)])
    assert result.exit_code == 2
    assert "checks/lint/junos.yaml:" in result.output
    assert "rules[0].clause: required field is missing" in result.output


def test_rule_semantics() -> None:
    rule = LintRule(
        id="demo",
        clause="8.1.4.3",
        title="demo",
        require=[r"^ntp server "],
        forbid=[r"^telnet"],
        require_count={r"^logging host \S+": 2},
    )
    text = "hostname x\ntelnet enable\nlogging host 10.0.0.1\n"
    evidence = [f.evidence for f in lint_config("x", "frr", text, [rule])]
    assert evidence == [
        "missing: /^ntp server /",
        "line 2: telnet enable",
        "found 1 of /^logging host \\S+/, need at least 2",
    ]
    good = "ntp server 1.1.1.1\nlogging host a\nlogging host b\n"
    assert lint_config("x", "frr", good, [rule]) == []
