"""PE-CE route policies and prefix limits (issue 13), on both ends of every PE-CE eBGP session
and on all four platforms (templates/<platform>/SOURCES.md, "PE-CE route policies and prefix
limits").

What the vendors document and these tests hold the configs to:
- every PE-CE session has an inbound and an outbound policy and a prefix limit (IOS-XR: an eBGP
  session without a policy exchanges nothing; FRR: `bgp ebgp-requires-policy`);
- the PE accepts from a CE exactly the user prefixes the design assigns to the CE's site in that
  VPN, and the CE sends exactly those: the IPv4 /24 of the `user_ipv4` pool (exact) and the IPv6
  unit of the address plan with its /64 subnets. The expected sets are read here from the lock
  files and services.yaml, not from the intents;
- the PE sends the whole VRF and the CE accepts it;
- the limit and its action are the design's (`services.yaml` `pe_ce`), spelled in each
  platform's words; bad values are refused with file, line and field.
"""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import yaml_rs
from jinja2 import Environment
from typer.testing import CliRunner

from govnet.cli import app
from govnet.design import Design, load_design
from govnet.inventory.roles import Role
from govnet.templates.build import build_intents
from govnet.templates.features import required_features
from govnet.templates.intent import BgpNeighbor, DeviceIntent
from govnet.templates.render import environment, render_device
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE, assert_frr_loads, line_of, load_errors, replace_in

MINI = Path(__file__).parent / "designs" / "mini"
SERVICES = "topology/services.yaml"
PLATFORMS = ("huawei_vrp", "iosxr", "junos", "frr")

# a filter: None = every route; otherwise the (prefix, longest length accepted) pairs it permits
Filter = set[tuple[str, int]] | None


@functools.cache
def raw(root: Path, name: str) -> Any:
    """A design file as data (read once per test run: the tests never change these files)."""
    path = root / name
    if not path.exists():
        return {}
    return yaml_rs.loads(path.read_text(encoding="utf-8"), parse_datetime=False) or {}


# --- what the design says, read from its files ---------------------------------------------------


@dataclass(frozen=True)
class Session:
    pe: str
    ce: str
    vpn: str
    version: int


def expected_sessions(root: Path) -> set[Session]:
    """Every (PE, CE, VPN, family) a design's files ask for: a link between a bureau CE and a
    backbone device, every VPN that holds the CE's site, IPv4 and IPv6."""
    hosts = raw(root, "inventory/hosts.yaml")
    roles = {name: h["data"]["role"] for name, h in hosts.items()}
    site = {name: h["data"]["site"] for name, h in hosts.items()}
    vpns = raw(root, SERVICES)["vpns"]
    result = set()
    for link in raw(root, "topology/links.yaml")["links"]:
        a, b = link["a"]["device"], link["b"]["device"]
        for ce, pe in ((a, b), (b, a)):
            if roles.get(ce) != "bureau_ce" or roles.get(pe) == "bureau_ce":
                continue
            for vpn in vpns:
                if vpn["sites"] == "all" or site[ce] in vpn["sites"]:
                    result |= {Session(pe, ce, vpn["name"], v) for v in (4, 6)}
    return result


def expected_prefixes(root: Path, ce: str, vpn: str, version: int) -> set[tuple[str, int]]:
    """The user prefixes of the CE's site in the VPN: the lock's IPv4 /24 (exact) and the
    site's legacy prefixes of the VPN's department (exact; `govnet cutover`), the IPv6 plan
    lock's unit for the site and VPN, up to /64."""
    site = raw(root, "inventory/hosts.yaml")[ce]["data"]["site"]
    if version == 4:
        prefix = raw(root, "topology/addresses.lock.yaml").get("user_ipv4", {}).get(f"{site}/{vpn}")
        services = raw(root, SERVICES)
        owner = next((v.get("department") for v in services["vpns"] if v["name"] == vpn), None)
        legacy = {
            (p, int(p.split("/")[1]))
            for d in services["departments"]
            if d["name"] == owner and "legacy" in d
            for s in d["legacy"]["sites"]
            if s["site"] == site
            for p in s["prefixes"]
        }
        return ({(prefix, int(prefix.split("/")[1]))} if prefix else set()) | legacy
    units = raw(root, "ipv6/plan.lock.yaml")
    return {
        (prefix, 64)
        for path, prefix in units.items()
        if path.split("/")[2:] == [site, vpn]  # zone/district/site/VPN
    }


def limits(root: Path, vpn: str) -> dict[str, dict[str, Any]]:
    """The limits of a VPN's PE-CE sessions: the VPN's own `pe_ce` side where it writes one,
    else the file's `pe_ce` side, else the documented defaults (100 and 20000 at 80 %)."""
    defaults = {"threshold_percent": 75, "action": "restart", "restart_minutes": 5}
    services = raw(root, SERVICES)
    given = services.get("pe_ce", {})
    (own,) = [v.get("pe_ce") or {} for v in services["vpns"] if v["name"] == vpn]
    result = {
        "from_ce": {**defaults, "maximum": 100, "threshold_percent": 80},
        "from_pe": {**defaults, "maximum": 20000, "threshold_percent": 80},
    }
    for side in result:
        for level in (given, own):  # a side written: its fields, the others' defaults
            if side in level:
                result[side] = {**defaults, **level[side]}
    return result


# --- reading a rendered session back, per platform ----------------------------------------------


@dataclass(frozen=True)
class Rendered:
    inbound: Filter
    outbound: Filter
    limit: str  # the platform's limit statement, normalised to one line


def list_filter(text: str, policy: str, entries: str) -> Filter:
    """A policy that is one entry: deny (nothing), permit without a match (everything), or
    permit matching a prefix list, whose entries ``entries`` (with ``{}`` for the list's name)
    gives as (prefix, longest length or None for exact)."""
    node = re.search(policy, text, re.M)
    assert node, policy
    if node[1] == "deny":
        return set()
    if node[2] is None:
        return None
    found = re.finditer(entries.format(node[2]), text, re.M)
    return {(m[1], int(m[2] or m[1].split("/")[1])) for m in found}


def vrp_filter(text: str, name: str) -> Filter:
    # VRP writes "address length": rewrite as "address/length" first
    text = re.sub(r"^(ip (?:ip|ipv6)-prefix .* permit \S+) (\d+)", r"\1/\2", text, flags=re.M)
    return list_filter(
        text,
        rf"^route-policy {name} (permit|deny) node 10\n"
        r"(?: if-match (?:ip-prefix|ipv6 address prefix-list) (\S+)\n)?",
        r"^ip (?:ip|ipv6)-prefix {} index \d+ permit (\S+)(?: less-equal (\d+))?$",
    )


def vrp_session(text: str, address: str) -> Rendered:
    def one(pattern: str) -> str:
        (found,) = re.findall(rf"^  peer {re.escape(address)} {pattern}$", text, re.M)
        return str(found)

    return Rendered(
        vrp_filter(text, one(r"route-policy (\S+) import")),
        vrp_filter(text, one(r"route-policy (\S+) export")),
        one(r"route-limit (.+)"),
    )


def xr_filter(text: str, name: str) -> Filter:
    body = re.search(rf"^route-policy {name}\n(.*?)^end-policy$", text, re.M | re.S)
    assert body, name
    if body[1].strip() == "pass":
        return None
    if body[1].strip() == "drop":
        return set()
    (prefix_set,) = re.findall(r"if destination in (\S+) then\n\s+pass\n\s+else\n\s+drop", body[1])
    entries = re.search(rf"^prefix-set {prefix_set}\n(.*?)^end-set$", text, re.M | re.S)
    assert entries, prefix_set
    result = set()
    for line in entries[1].splitlines():
        m = re.fullmatch(r"  (\S+) (?:eq|le) (\d+),?", line)
        assert m, line
        result.add((m[1], int(m[2])))
    return result


def xr_session(text: str, address: str) -> Rendered:
    block = text.split(f"\n  neighbor {address}\n", 1)[1].split("\n  !\n", 1)[0]
    (inbound,) = re.findall(r"route-policy (\S+) in$", block, re.M)
    (outbound,) = re.findall(r"route-policy (\S+) out$", block, re.M)
    (limit,) = re.findall(r"maximum-prefix (.+)$", block, re.M)
    return Rendered(xr_filter(text, inbound), xr_filter(text, outbound), limit)


def junos_block(text: str, opening: str) -> str:
    lines = text.splitlines()
    (start,) = [n for n, line in enumerate(lines) if line.strip() == opening]
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    end = lines.index(f"{indent}}}", start)
    return "\n".join(lines[start + 1 : end])


def junos_filter(text: str, name: str) -> Filter:
    body = junos_block(text, f"policy-statement {name} {{")
    if "term VPN" in body:
        return None
    return {
        (m[1], int(m[2].removeprefix("upto /")) if m[2] != "exact" else int(m[1].split("/")[1]))
        for m in re.finditer(r"route-filter (\S+) (exact|upto /\d+);", body)
    }


def junos_session(text: str, address: str) -> Rendered:
    block = junos_block(text, f"neighbor {address} {{")
    (inbound,) = re.findall(r"^\s+import (\S+);$", block, re.M)
    (outbound,) = re.findall(r"^\s+export (\S+);$", block, re.M)
    limit = " ".join(re.findall(r"^\s+((?:maximum|teardown) [^;]+);$", block, re.M))
    return Rendered(junos_filter(text, inbound), junos_filter(text, outbound), limit)


def frr_filter(text: str, name: str) -> Filter:
    return list_filter(
        text,
        rf"^route-map {name} (permit|deny) 10\n(?: match (?:ip|ipv6) address prefix-list (\S+)\n)?",
        r"^(?:ip|ipv6) prefix-list {} seq \d+ permit (\S+)(?: le (\d+))?$",
    )


def frr_session(text: str, address: str) -> Rendered:
    def one(pattern: str) -> str:
        (found,) = re.findall(rf"^  neighbor {re.escape(address)} {pattern}$", text, re.M)
        return str(found)

    return Rendered(
        frr_filter(text, one(r"route-map (\S+) in")),
        frr_filter(text, one(r"route-map (\S+) out")),
        one(r"maximum-prefix (.+)"),
    )


READERS = {
    "huawei_vrp": vrp_session,
    "iosxr": xr_session,
    "junos": junos_session,
    "frr": frr_session,
}


def limit_words(platform: str, limit: dict[str, Any]) -> str:
    """The design's limit as each platform's documentation spells it."""
    n, pct, action, minutes = (
        limit["maximum"],
        limit["threshold_percent"],
        limit["action"],
        limit["restart_minutes"],
    )
    if platform == "huawei_vrp":
        word = {"warn": "alert-only", "teardown": "idle-forever"}.get(action)
        return f"{n} {pct} {word or f'idle-timeout {minutes}'}"
    if platform == "iosxr":
        word = {"warn": " warning-only", "teardown": ""}.get(action, f" restart {minutes}")
        return f"{n} {pct}{word}"
    if platform == "junos":
        word = {"warn": "", "teardown": f" teardown {pct} idle-timeout forever"}
        return f"maximum {n}" + word.get(action, f" teardown {pct} idle-timeout {minutes}")
    word = {"warn": " warning-only", "teardown": ""}.get(action, f" restart {minutes}")
    return f"{n}{'' if pct == 75 else f' {pct}'}{word}"


# --- the designs, each PE-CE intent rendered on every platform ----------------------------------


@dataclass(frozen=True)
class Case:
    root: Path
    design: Design
    graph: nx.MultiGraph
    intents: dict[str, DeviceIntent]
    env: Environment


def case(root: Path) -> Case:
    design = load_design(root)
    graph = build_graph(design)
    return Case(root, design, graph, build_intents(design, graph), environment(root))


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    return {"mini": case(MINI), "reference": case(REFERENCE)}


def pe_ce_neighbors(intent: DeviceIntent) -> list[BgpNeighbor]:
    return [n for n in (intent.bgp.neighbors if intent.bgp else []) if n.vrf and n.pe_ce]


def each_session(c: Case) -> Iterator[tuple[str, DeviceIntent, BgpNeighbor]]:
    for name, intent in sorted(c.intents.items()):
        for n in pe_ce_neighbors(intent):
            yield name, intent, n


def rendered_on(c: Case, intent: DeviceIntent, platform: str) -> str:
    return render_device(c.env, intent.model_copy(update={"platform": platform}))


def other_end(c: Case, name: str, n: BgpNeighbor) -> str:
    """The device at the far end of a PE-CE session, from the link addressing of the graph."""
    (far,) = [
        peer
        for _, peer, data in c.graph.edges(name, data=True)
        if data["kind"] == "attachment" and n.description.startswith(f"{peer} ")
    ]
    return str(far)


# --- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mini", "reference"])
def test_the_intents_hold_exactly_the_sessions_the_design_asks_for(
    cases: dict[str, Case], name: str
) -> None:
    c = cases[name]
    found = set()
    for host, _intent, n in each_session(c):
        far = other_end(c, host, n)
        is_ce = c.design.hosts[host].role is Role.BUREAU_CE
        pe, ce = (far, host) if is_ce else (host, far)
        version = 4 if n.families == ["ipv4_unicast"] else 6
        found.add((Session(pe, ce, str(n.vrf), version), "ce" if is_ce else "pe"))
    expected = expected_sessions(c.root)
    assert expected, name
    assert found == {(s, side) for s in expected for side in ("pe", "ce")}
    assert len(found) == {"mini": 12, "reference": 156}[name]


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("name", ["mini", "reference"])
def test_every_pe_ce_session_has_its_policies_and_limit_on_every_platform(
    cases: dict[str, Case], name: str, platform: str
) -> None:
    c = cases[name]
    checked = 0
    texts: dict[str, str] = {}
    for host, intent, n in each_session(c):
        text = texts.setdefault(host, rendered_on(c, intent, platform))
        session = READERS[platform](text, n.address)
        far = other_end(c, host, n)
        is_ce = c.design.hosts[host].role is Role.BUREAU_CE
        ce, vpn = (host if is_ce else far), str(n.vrf)
        site_prefixes = expected_prefixes(c.root, ce, vpn, 4 if "ipv4_unicast" in n.families else 6)
        if is_ce:  # the CE accepts the VRF and sends only its site's prefixes
            assert session.inbound is None, (host, n.address)
            assert session.outbound == site_prefixes, (host, n.address)
        else:  # the PE accepts only the CE's site's prefixes and sends the VRF
            assert session.inbound == site_prefixes, (host, n.address)
            assert session.outbound is None, (host, n.address)
        limit = limits(c.root, vpn)["from_pe" if is_ce else "from_ce"]
        assert session.limit == limit_words(platform, limit), (host, n.address)
        checked += 1
    assert checked == {"mini": 12, "reference": 156}[name]


def test_the_reference_pe_accepts_its_ces_site_prefixes_in_both_families(
    cases: dict[str, Case],
) -> None:
    """The reference's CE at the police bureau: the PE towards it permits exactly the bureau's
    GA-VIDEO /24 and its IPv6 unit up to /64, nothing else (the prefixes of the plan)."""
    c = cases["reference"]
    text = rendered_on(c, c.intents["dg-agg-central"], "huawei_vrp")
    sessions = {
        n.address: n
        for n in pe_ce_neighbors(c.intents["dg-agg-central"])
        if n.vrf == "GA-VIDEO" and n.description.startswith("dg-ce-gaj ")
    }
    assert len(sessions) == 2
    seen = sorted(sorted(vrp_session(text, address).inbound or ()) for address in sessions)
    v4 = raw(REFERENCE, "topology/addresses.lock.yaml")["user_ipv4"]["bureau-gaj/GA-VIDEO"]
    assert seen == sorted([[(v4, 24)], [("2001:db8:722:210::/60", 64)]])
    assert "ip ipv6-prefix GOVNET-PECE-GA-VIDEO-dg-ce-gaj-6-IN index 10 permit " in text
    assert "2001:db8:722:210:: 60 less-equal 64\n" in text


def test_a_filtered_direction_with_nothing_to_permit_denies_everything(
    cases: dict[str, Case],
) -> None:
    """The mini design has no IPv6 plan: the PE's IPv6 policy towards the CE permits nothing,
    and says so with a deny (VRP: a route-policy naming a missing prefix list permits all)."""
    c = cases["mini"]
    (n,) = [
        n
        for n in pe_ce_neighbors(c.intents["agg-01"])
        if n.vrf == "POLICE" and n.families == ["ipv6_unicast"]
    ]
    assert n.pe_ce is not None and n.pe_ce.import_prefixes == []
    for platform in PLATFORMS:
        text = rendered_on(c, c.intents["agg-01"], platform)
        assert READERS[platform](text, n.address).inbound == set(), platform
    vrp = rendered_on(c, c.intents["agg-01"], "huawei_vrp")
    assert "route-policy GOVNET-PECE-POLICE-ce-01-6-IN deny node 10\n" in vrp
    assert "GOVNET-PECE-POLICE-ce-01-6-IN index" not in vrp


def test_xr_uplinks_keep_the_pass_policies_and_pe_ce_sessions_do_not_use_them(
    cases: dict[str, Case],
) -> None:
    c = cases["mini"]
    text = (Path(__file__).parent / "golden" / "mini" / "iosxr" / "agg-01.cfg").read_text()
    assert text == rendered_on(c, c.intents["agg-01"], "iosxr")
    assert "GOVNET-EBGP-IN" not in text  # agg-01 has PE-CE sessions only
    assert text.count("maximum-prefix 100 80 restart 5\n") == 6


@pytest.mark.skipif(shutil.which("vtysh") is None, reason="FRR's vtysh is not installed")
@pytest.mark.parametrize("host", ["agg-01", "ce-01"])
def test_frr_takes_the_pe_ce_policies(cases: dict[str, Case], host: str, tmp_path: Path) -> None:
    c = cases["mini"]
    assert_frr_loads(rendered_on(c, c.intents[host], "frr"), tmp_path / f"{host}.conf")


# --- the design fields: defaults, values, bad input ----------------------------------------------


def test_a_design_changes_the_limits_and_actions(tmp_path: Path) -> None:
    root = tmp_path / "design"
    shutil.copytree(MINI, root)
    services = root / SERVICES
    services.write_text(
        services.read_text(encoding="utf-8")
        + "pe_ce:\n"
        + "  from_ce: {maximum: 50, threshold_percent: 90, action: teardown}\n"
        + "  from_pe: {maximum: 5000, action: warn}\n",
        encoding="utf-8",
    )
    # the POLICE VPN's CEs accept more from their PE; its PE side keeps the file's limit
    replace_in(
        services,
        "sites: [bureau-police, cloud-dc, bravo, charlie]}",
        "sites: [bureau-police, cloud-dc, bravo, charlie],"
        " pe_ce: {from_pe: {maximum: 800, action: teardown}}}",
    )
    c = case(root)
    public, police = limits(root, "PUBLIC"), limits(root, "POLICE")
    assert public["from_ce"]["action"] == "teardown" and public["from_pe"]["maximum"] == 5000
    assert police["from_ce"] == public["from_ce"] and police["from_pe"]["maximum"] == 800
    for platform in PLATFORMS:
        for host in ("agg-01", "ce-01"):
            text = rendered_on(c, c.intents[host], platform)
            for n in pe_ce_neighbors(c.intents[host]):
                side = "from_pe" if host == "ce-01" else "from_ce"
                got = READERS[platform](text, n.address).limit
                wanted = limits(root, str(n.vrf))[side]
                assert got == limit_words(platform, wanted), (platform, host)
    vrp = rendered_on(c, c.intents["ce-01"], "huawei_vrp")
    assert vrp.count(" route-limit 5000 75 alert-only\n") == 4  # PUBLIC, INTERNET
    assert vrp.count(" route-limit 800 75 idle-forever\n") == 2  # POLICE
    xr = rendered_on(c, c.intents["agg-01"], "iosxr")
    assert xr.count("    maximum-prefix 50 90\n") == 6


def services_of(design_dir: Path) -> Path:
    return design_dir / SERVICES


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("from_ce: {maximum: 100,", "from_ce: {maximum: 0,", "pe_ce.from_ce.maximum", "greater"),
        (
            "from_pe: {maximum: 20000, threshold_percent: 80,",
            "from_pe: {maximum: 20000, threshold_percent: 101,",
            "pe_ce.from_pe.threshold_percent",
            "less than or equal to 100",
        ),
        (
            "from_ce: {maximum: 100, threshold_percent: 80, action: restart,",
            "from_ce: {maximum: 100, threshold_percent: 80, action: shutdown,",
            "pe_ce.from_ce.action",
            "'warn', 'restart' or 'teardown'",
        ),
        (
            "from_ce: {maximum: 100, threshold_percent: 80, action: restart, restart_minutes: 5}",
            "from_ce: {maximum: 100, threshold_percent: 80, action: restart, restart_minutes: 1201}",
            "pe_ce.from_ce.restart_minutes",
            "less than or equal to 1200",
        ),
        (
            "from_ce: {maximum: 100, threshold_percent: 80, action: restart, restart_minutes: 5}",
            "from_ce: {maximum: 100, threshold_percent: 80, action: warn, restart_minutes: 5}",
            "pe_ce.from_ce",
            "restart_minutes applies only to action restart (action is warn)",
        ),
        (
            "from_pe: {maximum: 20000,",
            "from_pe: {maximun: 20000,",
            "pe_ce.from_pe.maximun",
            "maximum",
        ),
    ],
)
def test_bad_pe_ce_values_are_refused_with_file_line_and_field(
    design_dir: Path, old: str, new: str, field: str, message: str
) -> None:
    path = services_of(design_dir)
    replace_in(path, old, new)
    errors = load_errors(design_dir)
    shown = "\n".join(e.format() for e in errors)
    relevant = [e for e in errors if e.field == field]
    assert len(relevant) == 1, shown
    (problem,) = relevant
    assert problem.file == SERVICES, shown
    assert problem.line == line_of(path, new.split("{")[0].strip().rstrip(":") + ":"), shown
    assert message in problem.message, shown
    # one mistake, one error (a misspelt required field is not also reported missing)
    assert len(errors) == 1, shown


def test_a_bad_vpn_limit_is_refused_with_its_vpn_line_and_field(design_dir: Path) -> None:
    path = services_of(design_dir)
    bad = "    pe_ce: {from_pe: {maximum: 0}}\n"
    replace_in(path, "    department: health\n", "    department: health\n" + bad)
    vpns = yaml_rs.loads(path.read_text(encoding="utf-8"), parse_datetime=False)["vpns"]
    (index,) = [n for n, v in enumerate(vpns) if v["name"] == "WJ-HEALTH"]
    errors = load_errors(design_dir)
    assert [(e.file, e.line, e.field) for e in errors] == [
        (SERVICES, line_of(path, bad.strip()), f"vpns[{index}].pe_ce.from_pe.maximum")
    ], "\n".join(e.format() for e in errors)


def test_validate_exits_2_naming_the_file_line_and_field(design_dir: Path) -> None:
    path = services_of(design_dir)
    replace_in(path, "from_ce: {maximum: 100,", "from_ce: {maximum: -1,")
    result = CliRunner().invoke(app, ["validate", "--design", str(design_dir)])
    assert result.exit_code == 2, result.output
    line = line_of(path, "from_ce: {maximum: -1,")
    assert f"topology/services.yaml:{line}: pe_ce.from_ce.maximum:" in result.output


def test_an_unknown_section_in_services_is_still_refused(design_dir: Path) -> None:
    path = services_of(design_dir)
    path.write_text(path.read_text(encoding="utf-8") + "pe_ce_limits: {}\n", encoding="utf-8")
    errors = load_errors(design_dir)
    assert [(e.file, e.field) for e in errors] == [(SERVICES, "pe_ce_limits")]


def test_every_pe_ce_end_asks_its_platform_for_the_policies(cases: dict[str, Case]) -> None:
    """templates/features.yaml `pe_ce_policy`: asked by exactly the devices with PE-CE sessions
    (so a platform that cannot do them is refused before anything renders)."""
    for name in ("mini", "reference"):
        c = cases[name]
        asking = {
            host
            for host, intent in c.intents.items()
            if "pe_ce_policy" in dict(required_features(intent))
        }
        ends = {s.pe for s in expected_sessions(c.root)} | {s.ce for s in expected_sessions(c.root)}
        assert asking == ends, name
