"""VRP is pushed by merge: every transport state of the MPLS -> SRv6 evolution renders the
``undo`` of what any other state had, so that merging a stage's (or a rollback's) config over the
running config of the state before gives exactly that stage's config (tests/vrp_merge.py, the
documented VRP behaviour of templates/huawei_vrp/SOURCES.md "Merge: what each state removes").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from govnet.design import Design, load_design
from govnet.inventory.drivers.huawei_vrp import REMOVAL_UNDO, without_removals_in_effect
from govnet.templates.build import build_intents
from govnet.templates.intent import TransportRemovals
from govnet.templates.render import render_design
from govnet.topology.graph import build_graph
from govnet.topology.models import Transport
from govnet.topology.transport_migration import TransportMigration, plan_transport_migration
from govnet.topology.transport_runbook import write_stage_designs
from tests.conftest import REFERENCE, copy_design, replace_in
from tests.vrp_merge import configured, merge, normalised, parse_lines

MINI = Path(__file__).parent / "designs" / "mini"
SOURCES = Path(__file__).parents[1] / "templates" / "huawei_vrp" / "SOURCES.md"
SECTION = "## Merge: what each state removes"
MINI_WAVES = [["town-a", "town-b", "town-c"], ["agg-01", "cloud-01", "inet-01"]]

States = list[tuple[str, dict[str, str]]]  # (state name, VRP device -> config), in order


def vrp_configs(design: Design) -> dict[str, str]:
    hosts = [n for n, h in design.hosts.items() if h.platform.value == "huawei_vrp"]
    rendered = render_design(design, build_graph(design), hosts)
    return {c.hostname: c.text for c in rendered}


def states_of(migration: TransportMigration) -> States:
    first = [("start", vrp_configs(migration.design))]
    return first + [(s.name, vrp_configs(s.design)) for s in migration.stages]


def from_mpls(source: Path, target: Path, waves: list[list[str]] | None) -> TransportMigration:
    root = copy_design(source, target)
    replace_in(root / "topology/network.yaml", "transport: dual", "transport: mpls")
    return plan_transport_migration(load_design(root), Transport.SRV6, waves)


@pytest.fixture(scope="module")
def mini_migration(tmp_path_factory: pytest.TempPathFactory) -> TransportMigration:
    return from_mpls(MINI, tmp_path_factory.mktemp("mini"), MINI_WAVES)


@pytest.fixture(scope="module")
def mini_states(mini_migration: TransportMigration) -> States:
    return states_of(mini_migration)


@pytest.fixture(scope="module")
def reference_states(tmp_path_factory: pytest.TempPathFactory) -> States:
    return states_of(from_mpls(REFERENCE, tmp_path_factory.mktemp("reference"), None))


@pytest.fixture(scope="module")
def finished_dual_states() -> States:
    """The mini design as it is (the finished ``dual``) and its one stage, ``srv6``."""
    return states_of(plan_transport_migration(load_design(MINI), Transport.SRV6))


def transitions(states: States) -> Iterator[tuple[str, dict[str, str], dict[str, str]]]:
    """Every push of the runbook: each stage over the state before, and each rollback."""
    for (before, old), (after, new) in itertools.pairwise(states):
        yield f"{before} -> {after}", old, new
        yield f"{after} -> {before} (rollback)", new, old


def merge_mismatches(states: States) -> list[str]:
    problems = []
    for label, old, new in transitions(states):
        for host in sorted(new):
            got = normalised(merge(configured(old[host]), new[host]))
            want = configured(new[host])
            for view in sorted(set(got) | set(want)):
                left = sorted(set(got.get(view, [])) - set(want.get(view, [])))
                missing = sorted(set(want.get(view, [])) - set(got.get(view, [])))
                problems += [f"{label}: {host} {view}: still there {line!r}" for line in left]
                problems += [f"{label}: {host} {view}: missing {line!r}" for line in missing]
    return problems


# --- the property: a merge reaches each state ------------------------------------------------


def test_the_mini_migration_from_mpls_merges_into_every_state(mini_states: States) -> None:
    assert [name for name, _ in mini_states] == [
        "start",
        "srv6-sessions",
        "add-path",
        "srv6-wave-1",
        "srv6-wave-2",
        "remove-mpls",
    ]
    assert len(mini_states[0][1]) == 4
    assert merge_mismatches(mini_states) == []


def test_the_reference_migration_from_mpls_merges_into_every_state(
    reference_states: States,
) -> None:
    assert len(reference_states[0][1]) == 58
    assert len(reference_states) >= 5
    assert merge_mismatches(reference_states) == []


def test_from_the_finished_dual_to_srv6_and_back(finished_dual_states: States) -> None:
    assert [name for name, _ in finished_dual_states] == ["start", "remove-mpls"]
    assert merge_mismatches(finished_dual_states) == []


def test_without_its_undo_lines_the_merge_leaves_mpls_and_the_old_sessions(
    mini_states: States,
) -> None:
    """The property can fail: the same configs without their ``undo`` lines (what the
    templates rendered before) leave MPLS, LDP and the IPv4 sessions after ``remove-mpls``."""
    stripped = [
        (name, {h: re.sub(r"(?m)^ *undo .*\n", "", text) for h, text in configs.items()})
        for name, configs in mini_states
    ]
    problems = merge_mismatches(stripped)
    assert any("remove-mpls: " in p and "still there 'mpls'" in p for p in problems)
    assert any("still there 'mpls ldp'" in p for p in problems)
    assert any(re.search(r"still there 'peer 10\.\S+ as-number", p) for p in problems)
    assert any("still there 'bestroute add-path path-number 2'" in p for p in problems)
    assert any(
        "still there 'route-policy GOVNET-SRV6-EGRESS permit node 10'" in p for p in problems
    )


def test_a_state_renders_the_same_removals_whatever_the_migration_came_from(
    mini_states: States, finished_dual_states: States
) -> None:
    """A stage's design directory is pushed on its own: its render depends on its state only."""
    assert mini_states[-1][1] == finished_dual_states[-1][1]


def test_each_stage_directory_pushed_on_its_own_renders_its_removals(
    mini_migration: TransportMigration, mini_states: States, tmp_path: Path
) -> None:
    """`govnet migrate transport --out` writes each stage as a design directory for `govnet
    push --design`: loaded from disk, each renders the same configs, removals included."""
    written = write_stage_designs(mini_migration, tmp_path)
    assert len(written) == len(mini_states) - 1
    for directory, (name, configs) in zip(written, mini_states[1:], strict=True):
        assert directory.name.endswith(name)
        assert vrp_configs(load_design(directory)) == configs, name
    assert vrp_configs(load_design(mini_migration.design.root)) == mini_states[0][1]


def as_displayed(config: str) -> str:
    """A state's config as the device displays it once it runs it: without its removals."""
    return "".join(
        line
        for line in config.splitlines(keepends=True)
        if not REMOVAL_UNDO.fullmatch(line.strip())
    )


def test_the_driver_enters_the_removals_each_push_needs_and_none_in_a_steady_state(
    mini_states: States,
) -> None:
    """What HuaweiVRPDriver enters (the removals with something to remove in their view of the
    running config) still reaches each state; pushing a state onto itself enters none."""
    for label, old, new in transitions(mini_states):
        for host in sorted(new):
            entered = without_removals_in_effect(new[host], as_displayed(old[host]))
            assert normalised(merge(configured(old[host]), entered)) == configured(new[host]), (
                label,
                host,
            )
            steady = without_removals_in_effect(new[host], as_displayed(new[host]))
            assert not [x for x in steady.splitlines() if REMOVAL_UNDO.fullmatch(x.strip())]


# --- the merge model itself -------------------------------------------------------------------


def test_the_model_removes_a_line_its_prefixed_lines_and_a_removed_views_children() -> None:
    running = configured(
        "mpls lsr-id 10.0.0.1\nmpls\nmpls ldp\nroute-policy P permit node 10\n apply cost 5\n"
        "bgp 1\n peer 10.0.0.2 as-number 1\n #\n ipv4-family vpnv4\n  peer 10.0.0.2 enable\n"
        "  peer 10.0.0.3 enable\n"
    )
    merged = merge(running, "undo route-policy P\nundo mpls ldp\nbgp 1\n undo peer 10.0.0.2\n")
    assert sorted(merged[()]) == ["bgp 1", "mpls", "mpls lsr-id 10.0.0.1"]
    assert ("route-policy P permit node 10",) not in merged
    assert merged[("bgp 1", "ipv4-family vpnv4")] == ["peer 10.0.0.3 enable"]
    assert merged[("bgp 1",)] == ["ipv4-family vpnv4"]  # its peer line went with the peer


def test_the_model_keeps_one_value_of_the_ldp_sync_timer_and_adds_each_line_once() -> None:
    running = configured("isis 1\n timer ldp-sync hold-max-cost infinite\n cost-style wide\n")
    merged = merge(running, "isis 1\n cost-style wide\n timer ldp-sync hold-max-cost 60\n")
    assert merged[("isis 1",)] == ["cost-style wide", "timer ldp-sync hold-max-cost 60"]


def test_the_model_refuses_a_line_indented_under_no_view() -> None:
    with pytest.raises(ValueError, match="indented under no view"):
        parse_lines("bgp 1\n   peer 10.0.0.2 enable\n")


# --- where and in which order the undo lines are ----------------------------------------------

# Each removal form, and the view (header pattern, None = system view) it must be entered in.
UNDO_VIEWS: list[tuple[str, str | None]] = [
    (r"undo peer \S+", r"bgp \d+"),
    (
        r"undo peer \S+ route-policy GOVNET-SRV6-EGRESS export",
        r"(ipv4-family vpnv4|ipv6-family vpnv6)",
    ),
    (r"undo peer \S+ high-priority", r"(ipv4-family vpnv4|ipv6-family vpnv6)"),
    (r"undo peer \S+ advertise add-path", r"(ipv4-family vpnv4|ipv6-family vpnv6)"),
    (
        r"undo peer \S+ capability-advertise add-path (both|receive)",
        r"(ipv4-family vpnv4|ipv6-family vpnv6)",
    ),
    (r"undo bestroute add-path", r"(ipv4-family vpnv4|ipv6-family vpnv6)"),
    (r"undo route-policy GOVNET-SRV6-EGRESS", None),
    (r"undo (isis ldp-sync|mpls ldp|mpls)", r"interface \S+"),
    (r"undo (mpls ldp|mpls|mpls lsr-id)", None),
    (r"undo timer ldp-sync hold-max-cost", r"isis \d+"),
    (r"undo segment-routing ipv6 locator GOVNET", r"isis \d+"),
    (r"undo segment-routing ipv6 (best-effort|locator GOVNET)", r"ipv[46]-family vpn-instance \S+"),
    (r"undo apply-label per-instance", r"ipv[46]-family"),
    (r"undo segment-routing ipv6", None),
]
# The security off-states of "Rendering: merge, not replace" (not removals of a state).
SECURITY_UNDOS = re.compile(
    r"undo (telnet( ipv6)? server enable|snmp-agent sys-info version v1 v2c|shutdown|"
    r"default ipv4-unicast|policy vpn-target)"
)


def undo_lines(states: States) -> Iterator[tuple[str, str, tuple[str, ...], str, int]]:
    """(state, host, view, undo line, its position in the config) of every removal."""
    for name, configs in states:
        for host, text in configs.items():
            for index, (view, line) in enumerate(parse_lines(text)):
                if line.startswith("undo ") and not SECURITY_UNDOS.fullmatch(line):
                    yield name, host, view, line, index


def test_every_undo_is_a_documented_form_in_its_own_view(reference_states: States) -> None:
    seen = set()
    for name, host, view, line, _ in undo_lines(reference_states):
        places = [
            header
            for form, header in UNDO_VIEWS
            if re.fullmatch(form, line)
            and (
                (header is None and view == ())
                or (header is not None and view and re.fullmatch(header, view[-1]))
            )
        ]
        assert places, f"{name}: {host}: {line!r} in view {view}"
        seen.add(re.sub(r"\d+\.\d+\.\d+\.\d+|[0-9a-f]*:[0-9a-f:]+", "X", line))
    assert {
        "undo peer X",
        "undo mpls",
        "undo segment-routing ipv6",
        "undo bestroute add-path",
    } <= seen
    documented = SOURCES.read_text(encoding="utf-8").split(SECTION)[1]
    for form in seen:
        words = form.removeprefix("undo ").replace("X ", "").split(" GOVNET")[0]
        assert words.split()[-1] in documented, form


def test_each_view_removes_before_what_it_depends_on(reference_states: States) -> None:
    for name, host, view, line, index in undo_lines(reference_states):
        configs = dict(reference_states)[name][host]
        entries = parse_lines(configs)
        later = [(v, x) for v, x in entries[index + 1 :]]
        if view and view[-1].startswith("interface") and line == "undo isis ldp-sync":
            assert later[:2] == [(view, "undo mpls ldp"), (view, "undo mpls")], host
        if view == () and line == "undo mpls ldp":
            assert later[:2] == [((), "undo mpls"), ((), "undo mpls lsr-id")], host
            assert not any(v and v[0].startswith("interface") for v, _ in later), host
        if view == () and line in (
            "undo segment-routing ipv6",
            "undo route-policy GOVNET-SRV6-EGRESS",
        ):
            assert not any(v and v[0].startswith(("bgp", "isis")) for v, _ in later), host
        if line == "undo bestroute add-path":
            assert not any(v == view and x.startswith("undo peer") for v, x in later), host
        if re.fullmatch(r"undo peer \S+ advertise add-path", line):
            address = line.split()[2]
            assert (view, f"undo peer {address} capability-advertise add-path both") in later
        if re.fullmatch(r"undo peer \S+", line):
            address = line.split()[2]
            assert not any(x.startswith(f"peer {address} ") for _, x in entries), host


def test_the_removed_sessions_are_the_other_transports(reference_states: States) -> None:
    names = dict(reference_states)
    for name, host, _view, line, _ in undo_lines(reference_states):
        if re.fullmatch(r"undo peer \S+", line):
            address = line.split()[2]
            if name == "start":  # mpls: the IPv6 (SRv6) sessions go
                assert ":" in address, (host, line)
            if name == "remove-mpls":  # srv6: the IPv4 (MPLS) sessions go
                assert ":" not in address, (host, line)
    srv6 = names["remove-mpls"]
    assert sum("undo mpls lsr-id" in text for text in srv6.values()) >= 10
    assert all("undo segment-routing ipv6\n" not in text for text in srv6.values())


def test_only_the_platforms_loaded_by_merge_carry_removals(reference: Design) -> None:
    graph = build_graph(reference)
    production = build_intents(reference, graph)
    assert any(i.removals for i in production.values() if i.platform == "huawei_vrp")
    assert all(i.removals is None for i in production.values() if i.platform != "huawei_vrp")
    lab = build_intents(reference, graph, lab=True)
    assert all(i.removals is None for i in lab.values())


def test_the_finished_dual_removes_only_the_waves_egress_policy(reference: Design) -> None:
    """The reference is the finished ``dual``: it runs every feature but the per-wave export
    policy (every ingress PE already prefers every SRv6 route)."""
    intents = build_intents(reference, build_graph(reference))
    removals = [i.removals for i in intents.values() if i.removals is not None]
    assert removals and all(r.egress_policy for r in removals)
    for r in removals:
        assert r.model_copy(update={"egress_policy": False, "peers": []}) == TransportRemovals()
        assert all(p.export_policy and not p.add_path and not p.high_priority for p in r.peers)
