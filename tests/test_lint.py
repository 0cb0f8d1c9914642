"""`govnet lint` on whole designs: the reference is clean; each deliberately weak design fails
with the right 等保 clause on every device; broken rule files are design errors."""

from __future__ import annotations

import re
from collections import Counter
from ipaddress import ip_address, ip_network
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govnet.checks.lint import LintRule, lint_config
from govnet.checks.management_path import management_path_problems
from govnet.cli import app
from govnet.design import load_design
from tests.conftest import REFERENCE, json_result, replace_in

runner = CliRunner()
MANAGEMENT = "topology/management.yaml"


def lint(design: Path) -> tuple[int, list[dict[str, str]]]:
    result = runner.invoke(app, ["lint", "--design", str(design), "--json"])
    return result.exit_code, json_result(result.stdout)["findings"]


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


# --- the management path: configs must still accept the inventory's management address ------


def test_a_management_acl_that_misses_hosts_fails_naming_each(design_dir: Path) -> None:
    replace_in(
        design_dir / MANAGEMENT,
        "  # allowed_prefixes defaults to topology/network.yaml management",
        "  allowed_prefixes: [10.199.0.0/28]",  # 10.199.0.0-15: the WAN cores only
    )
    code, findings = lint(design_dir)
    assert code == 1
    path = [f for f in findings if f["rule"] == "management-path"]
    assert {f["rule"] for f in findings} == {"management-path"}
    hosts = load_design(design_dir).hosts
    outside = {n for n, h in hosts.items() if h.hostname not in ip_network("10.199.0.0/28")}
    assert {f["device"] for f in path} == outside and len(outside) == 60
    assert all(f["clause"] == "8.1.4.4" for f in path)
    humen = [f["evidence"] for f in path if f["device"] == "dg-humen"]
    address = re.escape(str(hosts["dg-humen"].hostname))
    deny = r"line \d+: rule 4000 deny source any"
    assert len(humen) == 2
    assert re.fullmatch(rf"line \d+: ssh server acl 2001 rejects {address}: {deny}", humen[0])
    assert re.fullmatch(
        rf"user-interface vty 0 4 line \d+: acl 2001 inbound rejects {address}: {deny}", humen[1]
    )


VRP = """#
acl number 2001
 rule 5 permit source 10.199.0.0 0.0.255.255
 rule 4000 deny source any
#
interface GigabitEthernet0/0/0
 ip address 10.199.0.11 255.255.255.0
#
interface LoopBack0
 ip address 10.200.0.1 255.255.255.255
#
stelnet server enable
{source}
ssh server acl 2001
#
user-interface vty 0 4
 acl 2001 inbound
#
return
"""


@pytest.mark.parametrize(
    ("source", "address", "problem"),
    [
        ("ssh server-source all-interface", "10.199.0.11", None),
        ("ssh server-source -i GigabitEthernet0/0/0", "10.199.0.11", None),
        (
            "ssh server-source -i LoopBack0",
            "10.199.0.11",
            "SSH source settings do not accept 10.199.0.11: line 13: ssh server-source -i "
            "LoopBack0 (an interface without that address, no all-interface)",
        ),
        (
            "",
            "10.199.0.11",
            "SSH source settings do not accept 10.199.0.11: no `ssh server-source` "
            "(VRP8 then accepts SSH on no interface)",
        ),
        (
            "ssh server-source all-interface",
            "10.198.0.11",
            "line 14: ssh server acl 2001 rejects 10.198.0.11: line 4: rule 4000 deny source any",
        ),
    ],
    ids=["all-interface", "management-interface", "loopback-only", "no-source", "outside-acl"],
)
def test_vrp_management_path(source: str, address: str, problem: str | None) -> None:
    text = VRP.format(source=source)
    problems = list(management_path_problems("huawei_vrp", text, ip_address(address)))
    if problem is None:
        assert problems == []
    else:
        assert problems[0] == problem
        if "rejects" in problem:  # the VTY lines reject it too
            assert problems[1].startswith("user-interface vty 0 4 line 17: acl 2001 inbound")


XR = """ipv4 access-list GOVNET-MGMT
 20 permit ipv4 10.199.0.0 0.0.255.255 any
 10 deny ipv4 host 10.199.0.66 any
 1000 deny ipv4 any any log
!
line default
 access-class ingress GOVNET-MGMT
!
ssh server vrf default ipv4 access-list GOVNET-MGMT
{netconf}
end
"""


def test_iosxr_management_path_follows_sequence_numbers() -> None:
    text = XR.format(netconf="ssh server netconf vrf default ipv4 access-list GOVNET-MGMT")
    assert list(management_path_problems("iosxr", text, ip_address("10.199.0.12"))) == []
    denied = list(management_path_problems("iosxr", text, ip_address("10.199.0.66")))
    assert len(denied) == 3 and all(
        "line 3: 10 deny ipv4 host 10.199.0.66 any" in p for p in denied
    )
    no_netconf = list(
        management_path_problems("iosxr", XR.format(netconf=""), ip_address("10.199.0.12"))
    )
    assert no_netconf == [
        "no `ssh server netconf vrf default`: NETCONF does not listen where 10.199.0.12 is managed"
    ]


JUNOS = """interfaces {
    lo0 {
        unit 0 {
            family inet {
                filter {
                    input MGMT;
                }
            }
        }
    }
}
policy-options {
    prefix-list MGMT {
        10.199.0.0/16;
    }
}
firewall {
    family inet {
        filter MGMT {
            term ALLOW {
                from {
                    source-prefix-list {
                        MGMT;
                    }
                    protocol [ tcp udp ];
                    destination-port [ ssh {ports} ];
                }
                then accept;
            }
            term DENY {
                from {
                    protocol [ tcp udp ];
                    destination-port [ ssh 830 snmp ];
                }
                then {
                    syslog;
                    discard;
                }
            }
        }
    }
}
"""


def test_junos_management_path_reads_the_lo0_filter() -> None:
    good = JUNOS.replace("{ports}", "830")
    assert list(management_path_problems("junos", good, ip_address("10.199.0.13"))) == []
    outside = list(management_path_problems("junos", good, ip_address("10.198.0.13")))
    assert outside == [
        "lo0 filter MGMT term DENY (line 30) drops SSH from 10.198.0.13",
        "lo0 filter MGMT term DENY (line 30) drops NETCONF from 10.198.0.13",
    ]
    # the allow term forgets NETCONF's port: the push path is cut although SSH works
    no_netconf = JUNOS.replace("{ports}", "snmp")
    assert list(management_path_problems("junos", no_netconf, ip_address("10.199.0.13"))) == [
        "lo0 filter MGMT term DENY (line 30) drops NETCONF from 10.199.0.13"
    ]


def test_a_management_path_rule_without_an_address_is_a_finding() -> None:
    rule = LintRule(id="management-path", clause="8.1.4.4", title="t", check="management-path")
    findings = lint_config("x", "huawei_vrp", VRP.format(source=""), [rule])
    assert [f.evidence for f in findings] == ["no management address from the inventory to check"]
    assert lint_config("x", "frr", "hostname x\n", [rule], ip_address("10.0.0.1")) == []


def test_vrp_acl_rules_are_judged_in_rule_order_and_unreadable_sources_fail() -> None:
    text = VRP.format(source="ssh server-source all-interface").replace(
        " rule 5 permit source 10.199.0.0 0.0.255.255\n",
        " rule 5 permit source 10.199.0.0 0.0.255.255\n rule 1 deny source 10.199.0.11 0\n",
    )
    problems = list(management_path_problems("huawei_vrp", text, ip_address("10.199.0.11")))
    assert problems[0] == (
        "line 15: ssh server acl 2001 rejects 10.199.0.11: line 4: rule 1 deny source 10.199.0.11 0"
    )
    assert list(management_path_problems("huawei_vrp", text, ip_address("10.199.0.12"))) == []
    odd = VRP.format(source="ssh server-source all-interface").replace("0.0.255.255", "0.255.0.255")
    assert "a source govnet cannot judge" in next(
        iter(management_path_problems("huawei_vrp", odd, ip_address("10.199.0.11")))
    )


def test_vrp_management_path_over_ipv6() -> None:
    text = """#
acl ipv6 number 2001
 rule 5 permit source 2001:db8:199::/48
 rule 4000 deny source any
#
ssh ipv6 server-source all-interface
ssh ipv6 server acl 2001
#
user-interface vty 0 4
 acl 2001 inbound
 acl ipv6 2001 inbound
#
"""
    assert list(management_path_problems("huawei_vrp", text, ip_address("2001:db8:199::5"))) == []
    outside = list(management_path_problems("huawei_vrp", text, ip_address("2001:db8:200::5")))
    assert outside == [
        "line 7: ssh ipv6 server acl 2001 rejects 2001:db8:200::5: line 4: rule 4000 deny source any",
        "user-interface vty 0 4 line 11: acl ipv6 2001 inbound rejects 2001:db8:200::5: "
        "line 4: rule 4000 deny source any",
    ]
    no_source = text.replace("ssh ipv6 server-source all-interface\n", "")
    assert list(
        management_path_problems("huawei_vrp", no_source, ip_address("2001:db8:199::5"))
    ) == [
        "SSH source settings do not accept 2001:db8:199::5: no `ssh ipv6 server-source` "
        "(VRP8 then accepts SSH on no interface)"
    ]
