"""`govnet lint`: rendered configs against the GB/T 22239-2019 (等保2.0) level-3 clauses.

Rules are data, one file per platform (``checks/lint/<platform>.yaml``): each rule names its
clause and what a compliant config must contain (``require``), must not contain (``forbid``) or
must contain at least N times (``require_count``), as multi-line regular expressions. A rule may
also name a typed ``check`` that needs more than the text: ``management-path`` evaluates the
config's SSH/NETCONF source settings and management ACLs against the device's management
address from the inventory (:mod:`govnet.checks.management_path`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from govnet.checks.ce_reachability import CePath
from govnet.checks.inband import inband_problems
from govnet.checks.management_path import (
    ManagementAddress,
    Network,
    management_path_problems,
)
from govnet.diagnostics import DesignError, ProblemLog
from govnet.inventory.models import Host
from govnet.inventory.platforms import Platform
from govnet.inventory.roles import Role
from govnet.models import StrictModel
from govnet.reading import validate_item
from govnet.yamlio import YamlSyntaxError, read_yaml

LINT_FOLDER = "checks/lint"


class LintRule(StrictModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)  # regexes

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    clause: str = Field(description="等保2.0 clause (e.g. 8.1.4.1) or law article")
    title: str
    require: list[str] = Field(default_factory=list)
    forbid: list[str] = Field(default_factory=list)
    require_count: dict[str, int] = Field(default_factory=dict)
    check: Literal["management-path"] | None = Field(
        default=None, description="a typed check that needs the inventory, not only the text"
    )

    @field_validator("require", "forbid")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            _compile(pattern)
        return patterns

    @field_validator("require_count")
    @classmethod
    def _counts_compile(cls, counts: dict[str, int]) -> dict[str, int]:
        for pattern in counts:
            _compile(pattern)
        return counts


def _compile(pattern: str) -> re.Pattern[str]:
    """``re.error`` is not a ValueError: say it as one, so pydantic reports it with its line."""
    try:
        return re.compile(pattern, re.MULTILINE)
    except re.error as error:
        raise ValueError(f"regular expression {pattern!r} does not compile: {error}") from None


class LintRuleSet(StrictModel):
    platform: Platform
    rules: list[LintRule]


@dataclass(frozen=True)
class Finding:
    device: str
    platform: str
    clause: str
    rule: str
    title: str
    evidence: str

    def as_dict(self) -> dict[str, str]:
        return self.__dict__.copy()


def load_rules(roots: Iterable[Path]) -> dict[Platform, list[LintRule]]:
    """Rule files from the first root that has each platform's file (design, then reference)."""
    rules: dict[Platform, list[LintRule]] = {}
    log = ProblemLog()
    for root in roots:
        for platform in Platform:
            if platform in rules:
                continue
            name = f"{LINT_FOLDER}/{platform.value}.yaml"
            path = root / name
            if not path.is_file():
                continue
            try:
                doc = read_yaml(path, name)
            except YamlSyntaxError as error:
                log.extend([error.problem])
                continue
            file_log = ProblemLog()
            ruleset = validate_item(LintRuleSet, doc.data or {}, name, (), file_log)
            if ruleset is not None and ruleset.platform != platform:
                file_log.error(
                    name, ("platform",), f"this file must hold the rules of {platform.value}"
                )
            log.extend(doc.locate(p) for p in file_log.problems)
            if ruleset is not None:
                rules[platform] = ruleset.rules
    if log.errors:
        raise DesignError(log.problems)
    return rules


def lint_config(
    device: str,
    platform: str,
    text: str,
    rules: Iterable[LintRule],
    management_address: ManagementAddress | None = None,
    inband_prefixes: list[Network] | None = None,
) -> list[Finding]:
    """Findings of ``text`` against ``rules``. A ``management-path`` rule needs the device's
    management address; without one it is itself a finding (never silently skipped). With
    ``inband_prefixes`` (a bureau CE, managed in-band) it also needs the address on the
    device's global table and a route back to those management prefixes."""
    findings = []
    for rule in rules:

        def finding(evidence: str, rule: LintRule = rule) -> Finding:
            return Finding(device, platform, rule.clause, rule.id, rule.title, evidence)

        if rule.check == "management-path":
            if management_address is None:
                findings.append(finding("no management address from the inventory to check"))
            else:
                problems = list(management_path_problems(platform, text, management_address))
                if inband_prefixes is not None:
                    problems += inband_problems(platform, text, management_address, inband_prefixes)
                findings.extend(finding(problem) for problem in problems)

        for pattern in rule.require:
            if not re.search(pattern, text, re.MULTILINE):
                findings.append(finding(f"missing: /{pattern}/"))
        for pattern in rule.forbid:
            for match in re.finditer(pattern, text, re.MULTILINE):
                line = text.count("\n", 0, match.start()) + 1
                findings.append(finding(f"line {line}: {_line_at(text, match.start())}"))
        for pattern, minimum in rule.require_count.items():
            count = len(re.findall(pattern, text, re.MULTILINE))
            if count < minimum:
                findings.append(finding(f"found {count} of /{pattern}/, need at least {minimum}"))
    return findings


def _line_at(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start : end if end != -1 else len(text)].strip()


def management_addresses(hosts: Mapping[str, Host]) -> dict[str, ManagementAddress]:
    """Each device's management address: its inventory ``hostname``."""
    return {name: host.hostname for name, host in hosts.items()}


def inband_management(
    hosts: Mapping[str, Host], prefixes: Iterable[Network]
) -> dict[str, list[Network]]:
    """The devices managed in-band (the bureau CEs: no out-of-band network at a bureau), each
    with the management prefixes it must route back to."""
    pool = list(prefixes)
    return {name: pool for name, host in hosts.items() if host.role is Role.BUREAU_CE}


def lint_configs(
    configs: Iterable[tuple[str, str, str]],
    rules: Mapping[Platform, list[LintRule]],
    management: Mapping[str, ManagementAddress] | None = None,
    inband: Mapping[str, list[Network]] | None = None,
) -> list[Finding]:
    """Lint (device, platform, text) triples; a platform without rules is itself a finding.
    ``management`` maps devices to their inventory management address (``hostname``), which
    ``management-path`` rules check the config against; ``inband`` maps the devices managed
    in-band to the management prefixes their global table must route back to."""
    addresses = management or {}
    inband_devices = inband or {}
    findings: list[Finding] = []
    for device, platform, text in configs:
        platform_rules = rules.get(Platform(platform))
        if platform_rules is None:
            findings.append(
                Finding(
                    device,
                    platform,
                    "-",
                    "no-rules",
                    "no lint rules for this platform",
                    f"{LINT_FOLDER}/{platform}.yaml is missing",
                )
            )
            continue
        findings.extend(
            lint_config(
                device,
                platform,
                text,
                platform_rules,
                addresses.get(device),
                inband_devices.get(device),
            )
        )
    return findings


def inband_path_findings(
    paths: Iterable[CePath],
    platforms: Mapping[str, str],
    rules: Mapping[Platform, list[LintRule]],
) -> list[Finding]:
    """The cross-device half of ``management-path`` for the CEs managed in-band: each problem
    of :func:`govnet.checks.ce_reachability.ce_paths` (no PE route, not admitted into IS-IS, no
    IS-IS path to a metro core, no route back) as a finding of the CE, under its platform's
    ``management-path`` rule."""
    findings = []
    for path in paths:
        platform = platforms.get(path.ce)
        rule = (
            next(
                (r for r in rules.get(Platform(platform), []) if r.check == "management-path"),
                None,
            )
            if platform
            else None
        )
        if platform is None or rule is None:
            continue
        findings += [
            Finding(path.ce, platform, rule.clause, rule.id, rule.title, f"in-band path: {p}")
            for p in path.problems
        ]
    return findings
