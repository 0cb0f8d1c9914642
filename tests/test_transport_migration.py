"""`plan_transport_migration`: the MPLS -> SRv6 evolution as stages (a) SRv6 beside MPLS, (b)
add-path, (c1..cN) SRv6 preferred per wave of egress PEs, (d) MPLS removed. Each stage's
rendered configs carry the documented facts of ``templates/<platform>/SOURCES.md`` ("dual
transport" and "SRv6 preferred per egress PE"); the design knobs are validated like every other
design field."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from govnet.checks.management_path import braced_blocks, indented_blocks
from govnet.cli import app
from govnet.design import Design, load_design
from govnet.inventory.drivers.huawei_vrp import REMOVAL_UNDO
from govnet.templates.build import ADD_PATH_PATHS, SRV6_LOCAL_PREFERENCE, build_intents
from govnet.templates.intent import DeviceIntent
from govnet.templates.render import environment, render_design, render_device
from govnet.topology.graph import build_graph
from govnet.topology.models import Transport
from govnet.topology.transport_migration import (
    MigrationError,
    Stage,
    TransportMigration,
    egress_pes,
    plan_transport_migration,
)
from tests.conftest import (
    assert_frr_loads,
    copy_design,
    json_result,
    line_of,
    load_errors,
    replace_in,
)

MINI = Path(__file__).parent / "designs" / "mini"
TEMPLATES = Path(__file__).parents[1] / "templates"
NETWORK = "topology/network.yaml"
WAVES = [["town-a", "town-b", "town-c"], ["agg-01", "cloud-01", "inet-01"]]
SECTION = "## Rendering: SRv6 preferred per egress PE"
PREFERENCE_WORDS = ("high-priority", "GOVNET-SRV6-PREFERRED", "GN-SRV6-PREFERRED")
EGRESS_WORDS = ("GOVNET-SRV6-EGRESS", "GN-SRV6-EGRESS")
ADD_PATH_WORDS = ("add-path", "additional-paths", "addpath")


def mini_variant(tmp_path: Path, transport: str = "dual", knobs: str | None = None) -> Path:
    root = copy_design(MINI, tmp_path / "design")
    path = root / NETWORK
    replace_in(path, "transport: dual", f"transport: {transport}")
    if knobs is not None:
        path.write_text(path.read_text(encoding="utf-8") + knobs, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def from_mpls(tmp_path_factory: pytest.TempPathFactory) -> TransportMigration:
    root = mini_variant(tmp_path_factory.mktemp("mpls"), "mpls")
    return plan_transport_migration(load_design(root), Transport.SRV6, WAVES)


def stage(migration: TransportMigration, name: str) -> Stage:
    return next(s for s in migration.stages if s.name == name)


def configs(design: Design, lab: bool = False) -> dict[str, str]:
    """What each device runs in that state: a VRP config's removals of the other states'
    features (its ``undo`` lines, tests/test_vrp_merge_removals.py) are left out."""
    graph = build_graph(design)
    rendered = render_design(design, graph, lab=lab)
    return {c.hostname: without_removals(c.text) for c in rendered if (c.platform == "frr") == lab}


def without_removals(text: str) -> str:
    return "".join(
        line for line in text.splitlines(keepends=True) if not REMOVAL_UNDO.fullmatch(line.strip())
    )


def intents(design: Design, lab: bool = False) -> dict[str, DeviceIntent]:
    return build_intents(design, build_graph(design), lab=lab)


# --- which stages, in which order -----------------------------------------------------------------


def test_from_mpls_every_stage_in_order(from_mpls: TransportMigration) -> None:
    assert [s.name for s in from_mpls.stages] == [
        "srv6-sessions",
        "add-path",
        "srv6-wave-1",
        "srv6-wave-2",
        "remove-mpls",
    ]
    assert [s.number for s in from_mpls.stages] == [1, 2, 3, 4, 5]
    assert from_mpls.stages[2].directory == "stage-3-srv6-wave-1"
    assert from_mpls.waves == tuple(tuple(w) for w in WAVES)
    states = [
        (s.design.network.transport, s.design.network.dual_transport) for s in from_mpls.stages
    ]
    assert states[0][0] is Transport.DUAL and states[0][1] is not None
    assert (states[0][1].add_path, states[0][1].srv6_preferred) == (False, "none")
    assert states[1][1] is not None and (states[1][1].add_path, states[1][1].srv6_preferred) == (
        True,
        "none",
    )
    assert states[2][1] is not None and states[2][1].srv6_preferred == sorted(WAVES[0])
    assert states[3][1] is not None
    assert states[3][1].srv6_preferred == sorted(WAVES[0] + WAVES[1])
    assert states[4] == (Transport.SRV6, None)
    # each stage rolls back to the one before it, the first to the design it started from
    assert from_mpls.stages[0].rollback.design is from_mpls.design
    for before, after in zip(from_mpls.stages, from_mpls.stages[1:], strict=False):
        assert after.rollback.design is before.design
        assert after.pre_checks == before.post_checks


def test_default_waves_are_one_per_district(tmp_path: Path) -> None:
    design = load_design(mini_variant(tmp_path, "mpls"))
    migration = plan_transport_migration(design, Transport.SRV6)
    assert egress_pes(design) == ["agg-01", "cloud-01", "inet-01", "town-a", "town-b", "town-c"]
    districts = [{design.hosts[n].district for n in wave} for wave in migration.waves]
    assert all(len(d) == 1 for d in districts)
    assert [d.pop() for d in districts] == sorted(
        {design.hosts[n].district for n in egress_pes(design)}
    )
    assert len(migration.waves) > 1
    assert sorted(n for wave in migration.waves for n in wave) == egress_pes(design)


def test_a_finished_dual_design_has_only_the_mpls_removal() -> None:
    migration = plan_transport_migration(load_design(MINI), Transport.SRV6)
    assert [s.name for s in migration.stages] == ["remove-mpls"]
    assert migration.waves == ()
    with pytest.raises(MigrationError, match="already prefers every SRv6 route: no wave"):
        plan_transport_migration(load_design(MINI), Transport.SRV6, [["town-a"]])


def test_a_dual_design_part_of_the_way_continues_where_it_is(tmp_path: Path) -> None:
    knobs = "dual_transport:\n  add_path: true\n  srv6_preferred: [town-a, agg-01]\n"
    design = load_design(mini_variant(tmp_path, "dual", knobs))
    migration = plan_transport_migration(design, Transport.SRV6, [["town-b"]])
    assert [s.name for s in migration.stages] == ["srv6-wave-1", "srv6-wave-2", "remove-mpls"]
    # the PEs no wave names form a last wave
    assert migration.waves == (("town-b",), ("cloud-01", "inet-01", "town-c"))
    last = migration.stages[1].design.network.dual_transport
    assert last is not None and last.srv6_preferred == egress_pes(design)


def test_a_dual_design_with_the_sessions_only_continues_with_add_path(tmp_path: Path) -> None:
    knobs = "dual_transport: {add_path: false, srv6_preferred: none}\n"
    design = load_design(mini_variant(tmp_path, "dual", knobs))
    migration = plan_transport_migration(design, Transport.SRV6, WAVES)
    assert [s.name for s in migration.stages][:2] == ["add-path", "srv6-wave-1"]


def test_an_srv6_design_has_nothing_to_do(tmp_path: Path) -> None:
    migration = plan_transport_migration(
        load_design(mini_variant(tmp_path, "srv6")), Transport.SRV6
    )
    assert migration.nothing_to_do and migration.stages == ()


# --- the states render what the sources document ------------------------------------------------


def test_the_stage_designs_render_like_the_design_files_of_the_same_state(
    from_mpls: TransportMigration, tmp_path: Path
) -> None:
    """The first state is the mpls design plus the sessions; the last is `transport: srv6`."""
    srv6 = load_design(mini_variant(tmp_path / "srv6", "srv6"))
    assert configs(stage(from_mpls, "remove-mpls").design) == configs(srv6)
    knobs = "dual_transport: {add_path: false, srv6_preferred: none}\n"
    sessions = load_design(mini_variant(tmp_path / "a", "dual", knobs))
    assert configs(stage(from_mpls, "srv6-sessions").design) == configs(sessions)


def test_stage_a_adds_srv6_without_add_path_or_preference(from_mpls: TransportMigration) -> None:
    design = stage(from_mpls, "srv6-sessions").design
    texts = configs(design) | {f"lab/{k}": v for k, v in configs(design, lab=True).items()}
    for name, text in texts.items():
        for word in ADD_PATH_WORDS + PREFERENCE_WORDS + EGRESS_WORDS:
            assert word not in text, (name, word)
    # the IPv6 (SRv6) sessions are there, beside the IPv4 ones
    for name, intent in intents(design).items():
        if intent.bgp and intent.isis:
            families = {n.srv6 for n in intent.bgp.neighbors if n.remote_as == intent.asn}
            assert families == {True, False}, name
    assert "peer 2001:db8:99::" in configs(design)["town-a"]
    # every route still resolves over MPLS, to the egress's IPv4 loopback
    checks = stage(from_mpls, "srv6-sessions").post_checks
    assert checks and {c.transport for c in checks} == {"mpls"}
    assert all(c.next_hop.count(".") == 3 and c.locator for c in checks)


def test_stage_b_reflectors_advertise_add_path_to_every_pe(from_mpls: TransportMigration) -> None:
    design = stage(from_mpls, "add-path").design
    texts = configs(design)
    mc01 = intents(design)["mc-01"]
    assert mc01.bgp is not None and mc01.bgp.add_path_paths == ADD_PATH_PATHS
    clients = [n for n in mc01.bgp.neighbors if n.route_reflector_client]
    assert sorted({n.description.split()[0] for n in clients}) == egress_pes(design)
    for n in clients:
        assert f"peer {n.address} capability-advertise add-path both" in texts["mc-01"]
        assert f"peer {n.address} advertise add-path path-number {ADD_PATH_PATHS}" in texts["mc-01"]
    assert "additional-paths send" in texts["mc-02"]
    for name, text in texts.items():
        for word in PREFERENCE_WORDS + EGRESS_WORDS:
            assert word not in text, (name, word)
    assert {c.transport for c in stage(from_mpls, "add-path").post_checks} == {"mpls"}


def _vrp_vpn_lines(text: str) -> set[str]:
    root = indented_blocks(text, frozenset({"#"}))
    bgp = next(b for b in root.children if b.line.startswith("bgp "))
    found: set[str] = set()
    for family in ("ipv4-family vpnv4", "ipv6-family vpnv6"):
        block = bgp.child(family)
        assert block is not None
        found |= {c.line for c in block.children}
    return found


def test_a_wave_prefers_exactly_the_srv6_routes_of_its_egress_pes(
    from_mpls: TransportMigration,
) -> None:
    wave = stage(from_mpls, "srv6-wave-1")
    design = wave.design
    texts = configs(design)
    # only the wave's PEs change, and only they carry the egress policy
    assert wave.change.devices == sorted(WAVES[0])
    assert wave.change.unchanged == len(texts) - len(WAVES[0])
    for name, text in texts.items():
        assert any(word in text for word in EGRESS_WORDS) == (name in WAVES[0]), name
        for word in PREFERENCE_WORDS:
            assert word not in text, (name, word)
    by_name = intents(design)
    # Huawei (town-a): the policy, and its export on the SRv6 sessions only
    vrp = _vrp_vpn_lines(texts["town-a"])
    assert (
        f"route-policy GOVNET-SRV6-EGRESS permit node 10\n apply local-preference "
        f"{SRV6_LOCAL_PREFERENCE}\n" in texts["town-a"]
    )
    for n in by_name["town-a"].bgp.neighbors if by_name["town-a"].bgp else []:
        if n.remote_as == design.network.asn:
            assert (f"peer {n.address} route-policy GOVNET-SRV6-EGRESS export" in vrp) == n.srv6
    # IOS-XR (town-b): the policy, out on the SRv6 sessions only
    xr = indented_blocks(texts["town-b"], frozenset({"!"}))
    policy = xr.child("route-policy GOVNET-SRV6-EGRESS")
    assert policy is not None
    assert {c.line for c in policy.children} == {
        f"set local-preference {SRV6_LOCAL_PREFERENCE}",
        "pass",
    }
    bgp = next(b for b in xr.children if b.line.startswith("router bgp "))
    for n in by_name["town-b"].bgp.neighbors if by_name["town-b"].bgp else []:
        if n.remote_as != design.network.asn:
            continue
        neighbor = bgp.child(f"neighbor {n.address}")
        assert neighbor is not None
        for family in ("vpnv4", "vpnv6"):
            af = neighbor.child(f"address-family {family} unicast")
            assert af is not None
            out = "route-policy GOVNET-SRV6-EGRESS out" in {c.line for c in af.children}
            assert out == n.srv6
    # Junos (town-c): export on the SRv6 group, a policy that only sets the preference
    root = braced_blocks(texts["town-c"])
    protocols = root.child("protocols")
    bgp_junos = protocols.child("bgp") if protocols else None
    assert bgp_junos is not None
    for group in bgp_junos.starting("group IBGP-"):
        exported = group.child("export GOVNET-SRV6-EGRESS") is not None
        assert exported == (group.line == "group IBGP-SRV6"), group.line
        # without it the group's export policy never sees the PE's own VRF routes
        applied = group.child("vpn-apply-export") is not None
        assert applied == exported, group.line
    options = root.child("policy-options")
    statement = options.child("policy-statement GOVNET-SRV6-EGRESS") if options else None
    assert statement is not None
    term = statement.child("term SRV6")
    assert term is not None
    assert {c.line for c in term.children} == {f"then local-preference {SRV6_LOCAL_PREFERENCE}"}
    # the checks: the wave's routes now resolve over SRv6 to the egress's IPv6 loopback and
    # locator, every other one still over MPLS
    graph = build_graph(design)
    switched = wave.switched
    assert switched and {c.egress for c in switched} == set(WAVES[0])
    for check in wave.post_checks:
        node = graph.nodes[check.egress]
        if check.egress in WAVES[0]:
            assert check.transport == "srv6"
            assert check.next_hop == str(node["loopback_ipv6"]).split("/")[0]
            assert check.locator == str(node["srv6_locator"])
        else:
            assert check.transport == "mpls"
            assert check.next_hop == str(node["loopback_ipv4"]).split("/")[0]


def test_the_lab_configs_of_a_wave_carry_the_egress_route_map(
    from_mpls: TransportMigration,
) -> None:
    design = stage(from_mpls, "srv6-wave-1").design
    lab = configs(design, lab=True)
    for name, text in lab.items():
        assert ("route-map GN-SRV6-EGRESS permit 10" in text) == (name in WAVES[0]), name
    for n in intents(design, lab=True)["town-a"].bgp.neighbors:  # type: ignore[union-attr]
        line = f"neighbor {n.address} route-map GN-SRV6-EGRESS out"
        assert (text_has := line in lab["town-a"]) == (n.srv6 and n.vrf is None), text_has


@pytest.mark.skipif(shutil.which("vtysh") is None, reason="FRR's vtysh is not installed")
def test_frr_takes_the_lab_configs_of_a_wave(from_mpls: TransportMigration, tmp_path: Path) -> None:
    design = stage(from_mpls, "srv6-wave-1").design
    lab = intents(design, lab=True)
    env = environment(design.root)
    for name in ("mc-01", "town-a"):
        assert_frr_loads(render_device(env, lab[name]), tmp_path / f"{name}.conf")


def test_stage_d_leaves_no_mpls_and_no_ipv4_vpn_session(from_mpls: TransportMigration) -> None:
    final = stage(from_mpls, "remove-mpls")
    design = final.design
    texts = configs(design)
    for name, text in texts.items():
        lowered = text.lower()
        for word in ("mpls ldp", "mpls lsr-id", "ldp {", "label mode", "mpls alloc", "mpls {"):
            assert word not in lowered, (name, word)
        for word in ADD_PATH_WORDS + PREFERENCE_WORDS + EGRESS_WORDS:
            assert word not in text, (name, word)
    for name, intent in intents(design).items():
        assert not intent.mpls_ldp, name
        if intent.bgp:
            ibgp = [n for n in intent.bgp.neighbors if n.remote_as == intent.bgp.asn]
            assert all(n.srv6 and ":" in n.address for n in ibgp), name
    assert {c.transport for c in final.post_checks} == {"srv6"}
    # every device with MPLS before changes; the rollback diff is the reverse one
    assert final.change.devices == final.rollback.change.devices
    # difflib may align the two directions differently: compare what each one changes
    forward = _net_change(final.change.diffs[0].diff)
    backward = _net_change(final.rollback.change.diffs[0].diff)
    assert forward and backward == Counter({line: -n for line, n in forward.items()})


def _net_change(diff: str) -> Counter[str]:
    """line -> how many more times it is in the new text than in the old."""
    change: Counter[str] = Counter()
    for line in diff.splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            change[line[1:]] += 1
        elif line.startswith("-") and not line.startswith("---"):
            change[line[1:]] -= 1
    return Counter({line: n for line, n in change.items() if n})


# --- wrong input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("waves", "message"),
    [
        ([["town-a", "nowhere"]], "wave 1: unknown device 'nowhere'"),
        ([["town-a"], ["town-b", "town-a"]], "wave 2: 'town-a' is already in wave 1"),
        ([["mc-01"]], "wave 1: 'mc-01' is a metro_core, not an SRv6 PE"),
        ([["town-a"], []], "wave 2 is empty"),
    ],
)
def test_bad_waves_are_refused(tmp_path: Path, waves: list[list[str]], message: str) -> None:
    design = load_design(mini_variant(tmp_path, "mpls"))
    with pytest.raises(MigrationError, match=message):
        plan_transport_migration(design, Transport.SRV6, waves)


def test_a_wave_cannot_name_a_pe_already_preferred(tmp_path: Path) -> None:
    knobs = "dual_transport: {srv6_preferred: [town-a]}\n"
    design = load_design(mini_variant(tmp_path, "dual", knobs))
    with pytest.raises(MigrationError, match="'town-a' are already preferred"):
        plan_transport_migration(design, Transport.SRV6, [["town-a"]])


@pytest.mark.parametrize("target", [Transport.MPLS, Transport.DUAL])
def test_only_srv6_is_a_target(target: Transport) -> None:
    with pytest.raises(MigrationError, match=f"only the migration to srv6 .*asked: {target}"):
        plan_transport_migration(load_design(MINI), target)


def test_the_knobs_are_refused_without_dual_transport(tmp_path: Path) -> None:
    root = mini_variant(tmp_path, "mpls", "dual_transport: {add_path: false}\n")
    errors = load_errors(root)
    assert [(e.file, e.line, e.field) for e in errors] == [
        (NETWORK, line_of(root / NETWORK, "dual_transport:"), "dual_transport")
    ]
    assert "only valid with transport: dual (this design has transport: mpls)" in errors[0].message


@pytest.mark.parametrize(
    ("knobs", "needle", "field", "message"),
    [
        (
            "dual_transport:\n  srv6_preferred: [town-a, ghost]\n",
            "srv6_preferred",
            "dual_transport.srv6_preferred[1]",
            "unknown device 'ghost'",
        ),
        (
            "dual_transport:\n  srv6_preferred: [mc-02]\n",
            "srv6_preferred",
            "dual_transport.srv6_preferred[0]",
            "'mc-02' is a metro_core, not a PE",
        ),
        (
            "dual_transport:\n  add_path: false\n  srv6_preferred: all\n",
            "srv6_preferred",
            "dual_transport.srv6_preferred",
            "needs add_path: true",
        ),
        (
            "dual_transport:\n  srv6_preferred: [town-a, town-a]\n",
            "srv6_preferred",
            "dual_transport.srv6_preferred",
            "names a PE more than once",
        ),
        (
            "dual_transport:\n  srv6_prefered: none\n",
            "srv6_prefered",
            "dual_transport.srv6_prefered",
            "",
        ),
    ],
)
def test_bad_knobs_name_file_line_and_field(
    tmp_path: Path, knobs: str, needle: str, field: str, message: str
) -> None:
    root = mini_variant(tmp_path, "dual", knobs)
    errors = load_errors(root)
    assert len(errors) == 1, [e.format() for e in errors]
    error = errors[0]
    assert (error.file, error.line, error.field) == (
        NETWORK,
        line_of(root / NETWORK, needle),
        field,
    )
    assert message in error.message


# --- sources --------------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["huawei_vrp", "iosxr", "junos", "frr"])
def test_every_platform_documents_the_per_egress_preference(platform: str) -> None:
    text = (TEMPLATES / platform / "SOURCES.md").read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    assert "http" in section and "local-preference" in section


# --- the command and its runbook -----------------------------------------------------------------

GOLDEN = Path(__file__).parent / "golden" / "migrate"
runner = CliRunner()


def migrate(*args: str) -> Result:
    return runner.invoke(app, ["migrate", "transport", *args])


@pytest.mark.parametrize(
    ("name", "design", "waves"),
    [("reference.md", None, None), ("mini-from-mpls.md", "mpls", "town-a,town-b;town-c")],
)
def test_runbook_golden(tmp_path: Path, name: str, design: str | None, waves: str | None) -> None:
    """`UPDATE_GOLDEN=1 pytest tests/test_transport_migration.py` rewrites them; review the
    diff."""
    args = ["--to", "srv6"]
    if design is not None:
        args += ["--design", str(mini_variant(tmp_path, design))]
    if waves is not None:
        args += ["--waves", waves]
    result = migrate(*args)
    assert result.exit_code == 0, result.output
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == path.read_text(encoding="utf-8")


def test_out_writes_stage_designs_that_load_and_render_like_the_plan(
    from_mpls: TransportMigration, tmp_path: Path
) -> None:
    source = from_mpls.design.root
    out = tmp_path / "out"
    waves = ";".join(",".join(w) for w in WAVES)
    result = migrate("--to", "srv6", "--design", str(source), "--waves", waves, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"runbook.md", "runbook.html"} | {
        s.directory for s in from_mpls.stages
    }
    for planned in from_mpls.stages:
        written = load_design(out / planned.directory)
        assert written.network == planned.design.network
        assert configs(written) == configs(planned.design), planned.directory
        assert not written.locks_changed
    # only network.yaml differs from the source design
    first = out / from_mpls.stages[0].directory
    for path in source.rglob("*.yaml"):
        relative = path.relative_to(source)
        same = (first / relative).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
        assert same == (str(relative) != NETWORK), relative
    page = (out / "runbook.html").read_text(encoding="utf-8")
    assert page.count("<details>") == sum(len(s.change.diffs) for s in from_mpls.stages)
    assert "route-policy GOVNET-SRV6-EGRESS export" in page
    assert (out / "runbook.md").read_text(encoding="utf-8") == result.stdout


def test_json_gives_every_check_and_diff(from_mpls: TransportMigration) -> None:
    waves = ";".join(",".join(w) for w in WAVES)
    result = migrate(
        "--to", "srv6", "--design", str(from_mpls.design.root), "--waves", waves, "--json"
    )
    assert result.exit_code == 0, result.output
    payload = json_result(result.stdout)
    assert payload["start"] == {"transport": "mpls", "dual_transport": None}
    assert [s["name"] for s in payload["stages"]] == [s.name for s in from_mpls.stages]
    assert len(payload["initial_checks"]) == len(from_mpls.stages[0].pre_checks)
    wave = payload["stages"][2]
    assert wave["network"]["dual_transport"] == {
        "add_path": True,
        "srv6_preferred": sorted(WAVES[0]),
    }
    assert wave["changed"] == sorted(WAVES[0]) and set(wave["diffs"]) == set(WAVES[0])
    assert set(wave["rollback_diffs"]) == set(WAVES[0])
    check = next(c for c in wave["post_checks"] if c["egress"] == "town-a")
    assert set(check) == {"ingress", "egress", "vrf", "transport", "next_hop", "locator"}
    assert check["transport"] == "srv6" and check["next_hop"].startswith("2001:db8:99::")


def test_an_srv6_design_says_there_is_nothing_to_do(tmp_path: Path) -> None:
    result = migrate("--to", "srv6", "--design", str(mini_variant(tmp_path, "srv6")))
    assert result.exit_code == 0
    assert "Nothing to do: the design's transport is already srv6." in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "mpls"], "--to mpls: only the migration to srv6 is planned (asked: mpls)"),
        (["--to", "sr-mpls"], "--to 'sr-mpls': not a transport (one of mpls, srv6, dual)"),
        (["--to", "srv6", "--waves", "town-a;ghost"], "wave 2: unknown device 'ghost'"),
        (["--to", "srv6", "--waves", "town-a;town-b,town-a"], "'town-a' is already in wave 1"),
    ],
)
def test_wrong_command_lines_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = migrate(*args, "--design", str(mini_variant(tmp_path, "mpls")))
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_a_wrong_design_exits_2_with_file_line_and_field(tmp_path: Path) -> None:
    root = mini_variant(tmp_path, "srv6", "dual_transport: {srv6_preferred: none}\n")
    result = migrate("--to", "srv6", "--design", str(root))
    assert result.exit_code == 2
    line = line_of(root / NETWORK, "dual_transport:")
    assert f"{NETWORK}:{line}: dual_transport: only valid with transport: dual" in result.stderr


def test_a_route_reflector_with_a_ce_keeps_mpls_until_mpls_is_removed(tmp_path: Path) -> None:
    """Its export policy would raise every SRv6 route it reflects, so no wave names it."""
    root = mini_variant(tmp_path, "dual", "dual_transport: {srv6_preferred: none}\n")
    replace_in(
        root / "topology/links.yaml",
        "b: {device: agg-01, interface: GigabitEthernet0/0/2/0}",
        "b: {device: mc-01, interface: GE1/0/4}",
    )
    design = load_design(root)
    assert "mc-01" not in egress_pes(design)
    migration = plan_transport_migration(design, Transport.SRV6)
    for planned in migration.stages:
        own = {c.transport for c in planned.post_checks if c.egress == "mc-01"}
        assert own == ({"srv6"} if planned.name == "remove-mpls" else {"mpls"}), planned.name
    assert {c.egress for c in migration.stages[-1].switched} == {"mc-01"}
    # in the finished evolution every ingress PE prefers every SRv6 route, the reflector's too
    replace_in(root / NETWORK, "dual_transport: {srv6_preferred: none}\n", "")
    finished = plan_transport_migration(load_design(root), Transport.SRV6)
    assert {c.transport for c in finished.stages[0].pre_checks if c.egress == "mc-01"} == {"srv6"}
    with pytest.raises(MigrationError, match="'mc-01' is a metro_core, not an SRv6 PE"):
        plan_transport_migration(design, Transport.SRV6, [["mc-01"]])
