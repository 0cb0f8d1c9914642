"""The IPv6 address plan: a nibble-aligned hierarchy, sticky allocation, clear errors."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from govnet.design import Design, load_design
from govnet.diagnostics import Problem, ProblemLog
from govnet.ipv6.plan import (
    LEVEL_NAMES,
    PLAN_FILE,
    PLAN_LOCK_FILE,
    AddressPlan,
    PlanKey,
    PlanLevel,
    PlanSpec,
    allocate_plan,
    ipv6_pools,
    plan_keys,
    plan_levels_table,
    plan_lock_text,
    plan_tree_table,
    pool_usage,
    read_plan,
    read_plan_lock,
)
from govnet.topology.addressing import PoolKind, Prefix
from govnet.topology.models import Network, Pool
from govnet.yamlio import parse_yaml
from tests.conftest import line_of, replace_in
from tests.test_addressing import add_town

# What the infrastructure pools of the reference hold (given, so that these numbers do not
# depend on the foundation's allocations; test_pool_usage_counts_the_foundation checks those).
USAGE = {"loopback_ipv6": 62, "link_ipv6": 130, "srv6_locator": 49}


def keys_of(design: Design) -> list[PlanKey]:
    return plan_keys(design.vpns, design.site_district)


def plan_of(
    root: Path, design: Design, network: Network | None = None
) -> tuple[AddressPlan | None, list[Problem]]:
    """The plan of the design at ``root`` (keys from ``design``), problems with their lines."""
    log = ProblemLog()
    plan, docs = read_plan(root, network or design.network, keys_of(design), log)
    located = [docs[p.file].locate(p) if p.file in docs else p for p in log.problems]
    assert (plan is None) == bool(log.errors)
    return plan, located


def fresh_plan(root: Path, design: Design) -> AddressPlan:
    (root / PLAN_LOCK_FILE).unlink(missing_ok=True)
    plan, problems = plan_of(root, design)
    assert plan is not None, [p.format() for p in problems]
    return plan


def texts(plan: AddressPlan) -> dict[str, str]:
    return {path: str(prefix) for path, prefix in plan.allocations.items()}


# --- the reference plan -----------------------------------------------------------------------


def test_reference_keys(reference: Design) -> None:
    keys = keys_of(reference)
    # PUBLIC at every site with a device (57), INTERNET at 45 sites, the private VPNs at
    # 36 + 9 + 36 + 13 + 35 + 36 + 8 sites
    assert len(keys) == 57 + 45 + 36 + 9 + 36 + 13 + 35 + 36 + 8 == 275
    assert PlanKey("private", "binhai", "humen", "GA-VIDEO") in keys
    assert PlanKey("public", "central", "bureau-gaj", "PUBLIC") in keys  # a bureau's LAN


def test_reference_plan_is_deterministic(design_dir: Path, reference: Design) -> None:
    plan = fresh_plan(design_dir, reference)
    assert texts(fresh_plan(design_dir, reference)) == texts(plan)
    assert plan.lock_changed
    # 2001:db8:7 | zone | district | site site | unit | subnet, slot 0 reserved at every level.
    # Districts in sorted order: binhai 1, central 2, east 3, shuixiang 4, songshanhu 5, ...
    # public (zone 1), binhai (1); its sites agg-binhai, changan, houjie, humen (4), shatian
    got = texts(plan)
    assert got["public/binhai"] == "2001:db8:711::/48"
    assert got["public/binhai/humen"] == "2001:db8:711:400::/56"
    assert got["public/binhai/humen/PUBLIC"] == "2001:db8:711:410::/60"
    # private (2), binhai (1): changan, houjie, humen (3), shatian; humen's units in sorted
    # order: CZ-FINANCE 1, GA-VIDEO 2, RS-SOCIAL 3, ...
    assert got["private/binhai/humen/GA-VIDEO"] == "2001:db8:721:320::/60"
    assert got["private/binhai/humen/YJ-EMERGENCY"] == "2001:db8:721:370::/60"
    # internet (3), central (2): nine bureaus, dongcheng, dr-dc, guancheng, inet-egress (13 = d)
    assert got["internet/central/inet-egress/INTERNET"] == "2001:db8:732:d10::/60"
    # subnet i of a unit is its slot i + 1
    assert plan.subnet("humen", "GA-VIDEO") == "2001:db8:721:321::/64"
    assert plan.subnet("humen", "GA-VIDEO", 3) == "2001:db8:721:324::/64"
    assert plan.gateway("humen", "GA-VIDEO") == "2001:db8:721:321::1/64"
    assert plan.subnet("humen", "NO-SUCH-VPN") is None
    assert plan.gateway("agg-binhai", "GA-VIDEO") is None
    with pytest.raises(IndexError):
        plan.subnet("humen", "GA-VIDEO", 4)
    # 18 districts, 144 sites, 275 units
    assert len(got) == 18 + 144 + 275


def test_every_prefix_is_aligned_inside_its_parent_and_clear_of_the_pools(
    design_dir: Path, reference: Design
) -> None:
    plan = fresh_plan(design_dir, reference)
    networks = {path: p.network() for path, p in plan.allocations.items()}
    networks |= {zone: p.network() for zone, p in plan.zones.items()}
    pools = [pool.prefix for pool in ipv6_pools(reference.network.pools).values()]
    for path, network in networks.items():
        assert network.prefixlen % 4 == 0
        parent, _, _ = path.rpartition("/")
        if parent:
            assert network.subnet_of(networks[parent])  # type: ignore[arg-type]
            assert network.network_address != networks[parent].network_address  # slot 0
        if path != "infrastructure":
            assert not any(network.overlaps(pool) for pool in pools), path
    units = [p for p in plan.allocations if p.count("/") == 3]
    subnets = {plan.subnet(p.split("/")[2], p.split("/")[3], i) for p in units for i in range(4)}
    assert len(subnets) == 4 * len(units)  # unique


def test_lock_round_trip(design_dir: Path, reference: Design) -> None:
    plan = fresh_plan(design_dir, reference)
    path = plan.write_lock(design_dir)
    assert path == design_dir / PLAN_LOCK_FILE
    text = path.read_text(encoding="utf-8")
    assert text == plan.lock_text()
    lines = text.splitlines()
    assert lines[0].startswith("# ") and lines[1].startswith("# ")
    assert lines[2:5] == [
        '"public/binhai": "2001:db8:711::/48"',
        '"public/binhai/agg-binhai": "2001:db8:711:100::/56"',
        '"public/binhai/agg-binhai/PUBLIC": "2001:db8:711:110::/60"',
    ]
    assert len(lines) == 2 + 437
    log = ProblemLog()
    parsed = read_plan_lock(parse_yaml(text, PLAN_LOCK_FILE), log)
    assert not log.problems
    assert parsed == plan.allocations
    assert [p.address for p in parsed.values()] == sorted(p.address for p in parsed.values())
    again, problems = plan_of(design_dir, reference)
    assert again is not None and not problems
    assert not again.lock_changed
    assert texts(again) == texts(plan)
    assert plan_lock_text({}).endswith("{}\n")


# --- stickiness -------------------------------------------------------------------------------


def test_a_new_town_and_a_new_vpn_site_renumber_nothing(
    design_dir: Path, reference: Design
) -> None:
    before = texts(fresh_plan(design_dir, reference))
    fresh_plan(design_dir, reference).write_lock(design_dir)
    add_town(design_dir)  # newtown, district binhai: PUBLIC is at every site
    services = design_dir / "topology/services.yaml"
    replace_in(services, "sites: [bureau-gaj, cloud-dc,", "sites: [bureau-gaj, newtown, cloud-dc,")
    replace_in(
        services,
        "sites: [bureau-czj, cloud-dc, dr-dc, nancheng,",
        "sites: [bureau-czj, cloud-dc, dr-dc, houjie, nancheng,",
    )
    grown = load_design(design_dir)
    plan, problems = plan_of(design_dir, grown)
    assert plan is not None and not problems
    after = texts(plan)
    assert {k: after[k] for k in before} == before
    assert plan.lock_changed
    # the lowest free slots: newtown after shatian (5) in public/binhai, after shatian (4) in
    # private/binhai; CZ-FINANCE after houjie's five units
    assert {k: v for k, v in after.items() if k not in before} == {
        "public/binhai/newtown": "2001:db8:711:600::/56",
        "public/binhai/newtown/PUBLIC": "2001:db8:711:610::/60",
        "private/binhai/newtown": "2001:db8:721:500::/56",
        "private/binhai/newtown/GA-VIDEO": "2001:db8:721:510::/60",
        "private/binhai/houjie/CZ-FINANCE": "2001:db8:721:260::/60",
    }
    # without the lock, sorted order would have moved shatian and houjie's units
    renumbered = texts(fresh_plan(design_dir, grown))
    assert renumbered["public/binhai/shatian"] == "2001:db8:711:600::/56"
    assert renumbered["private/binhai/houjie/CZ-FINANCE"] == "2001:db8:721:210::/60"


def test_removals_move_nothing_and_free_their_slots(design_dir: Path, reference: Design) -> None:
    plan = fresh_plan(design_dir, reference)
    plan.write_lock(design_dir)
    before = texts(plan)
    services = design_dir / "topology/services.yaml"
    cz_finance = "nancheng, dongcheng, humen, changan, changping, tangxia]"
    replace_in(services, cz_finance, cz_finance.replace("humen, ", ""))
    # huangjiang, the spur town: its device and its link go
    hosts = design_dir / "inventory/hosts.yaml"
    text = hosts.read_text(encoding="utf-8")
    start = text.index("dg-huangjiang:")
    hosts.write_text(text[:start] + text[text.index("\ndg-", start + 1) + 1 :], encoding="utf-8")
    links = design_dir / "topology/links.yaml"
    text = links.read_text(encoding="utf-8")
    start = text.index("  - a: {device: dg-huangjiang")
    links.write_text(text[:start] + text[text.index("  # ---", start) :], encoding="utf-8")
    shrunk = load_design(design_dir)
    smaller, problems = plan_of(design_dir, shrunk)
    assert smaller is not None and not problems
    after = texts(smaller)
    assert {k: before[k] for k in after} == after
    gone = set(before) - set(after)
    assert "private/binhai/humen/CZ-FINANCE" in gone
    assert {k for k in gone if "huangjiang" in k} == gone - {"private/binhai/humen/CZ-FINANCE"}
    assert len(gone) == 1 + 3 + 6  # huangjiang: 3 sites, PUBLIC, INTERNET and 4 private units
    # GA-VIDEO stays at slot 2 though CZ-FINANCE (slot 1) is gone
    assert after["private/binhai/humen/GA-VIDEO"] == "2001:db8:721:320::/60"
    smaller.write_lock(design_dir)
    # the freed slot is the lowest free one: CZ-FINANCE gets it back at humen
    replace_in(services, cz_finance.replace("humen, ", ""), cz_finance)
    regrown, problems = plan_of(design_dir, load_design(design_dir))
    assert regrown is not None and not problems
    assert texts(regrown)["private/binhai/humen/CZ-FINANCE"] == "2001:db8:721:310::/60"


# --- property: the allocator against a brute-force reference ---------------------------------

SPEC = PlanSpec(
    prefix=Prefix.parse("2001:db8:10::/44"),
    levels=tuple(PlanLevel(name, 4, 0.0) for name in LEVEL_NAMES),
    zones={"public": 1, "private": 2, "internet": 3, "infrastructure": 15},
)
KEYS = st.builds(
    lambda zone, site, vpn: PlanKey(zone, f"d{site % 3}", f"s{site:02d}", vpn),
    st.sampled_from(["public", "private", "internet"]),
    st.integers(0, 11),
    st.sampled_from(["V1", "V2", "V3", "V4", "V5"]),
)


def brute_force(keys: set[PlanKey], keep: dict[str, str]) -> dict[str, str]:
    """Walk each parent's subnets in order with the ipaddress module; a new node takes the
    first that is not slot 0 and not kept. Nodes are visited level by level, in sorted order."""
    city = ipaddress.IPv6Network("2001:db8:10::/44")
    zones = list(city.subnets(new_prefix=48))
    networks = {zone: zones[value] for zone, value in SPEC.zones.items()}
    result = dict(keep)
    for depth in (1, 2, 3):
        nodes = {"/".join(key[: depth + 1]) for key in keys}
        for path in sorted(nodes):
            parent = path.rpartition("/")[0]
            parent_net = networks.get(parent) or ipaddress.IPv6Network(result[parent])
            if path not in result:
                taken = set(result.values())
                candidates = list(parent_net.subnets(new_prefix=parent_net.prefixlen + 4))[1:]
                result[path] = str(next(c for c in candidates if str(c) not in taken))
            networks[path] = ipaddress.IPv6Network(result[path])
    return result


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sets(KEYS, max_size=40), min_size=1, max_size=6))
def test_allocator_matches_brute_force_over_a_history(steps: list[set[PlanKey]]) -> None:
    locked: dict[str, Prefix] = {}
    previous: dict[str, str] = {}
    for keys in steps:
        allocations, problems = allocate_plan(SPEC, sorted(keys, reverse=True), locked)
        assert not problems
        got = {path: str(prefix) for path, prefix in allocations.items()}
        keep = {k: v for k, v in previous.items() if k in got}
        assert got == brute_force(keys, keep)
        wanted = {"/".join(key[:n]) for key in keys for n in (2, 3, 4)}
        assert set(got) == wanted
        assert {k: previous[k] for k in previous if k in wanted} == keep  # sticky
        log = ProblemLog()
        locked = read_plan_lock(parse_yaml(plan_lock_text(allocations), PLAN_LOCK_FILE), log)
        assert not log.problems and locked == allocations
        previous = got


# --- bad input: file, line, field and message -------------------------------------------------


@dataclass(frozen=True)
class Bad:
    edits: tuple[tuple[str, str], ...]  # plan.yaml (or, with lock=True, plan.lock.yaml) edits
    expected: tuple[tuple[str, str, str, str], ...]  # file, text on the line, field, message
    lock: bool = False


P, L = PLAN_FILE, PLAN_LOCK_FILE
BAD = {
    "misaligned bits": Bad(
        (("{name: site, bits: 8,", "{name: site, bits: 6,"),),
        (
            (
                P,
                "{name: site,",
                "levels[2].bits",
                "6 is not nibble-aligned (expected a multiple of 4)",
            ),
        ),
    ),
    "levels not adding up to /64": Bad(
        (("{name: unit, bits: 4,", "{name: unit, bits: 8,"),),
        (
            (
                P,
                "prefix:",
                "prefix",
                "2001:db8:700::/40 and the levels' bits (4 + 4 + 8 + 8 + 4) add up to /68 "
                "(expected /64)",
            ),
        ),
    ),
    "prefix with host bits": Bad(
        (('prefix: "2001:db8:700::/40"', 'prefix: "2001:db8:701::/40"'),),
        (
            (
                P,
                "prefix:",
                "prefix",
                "'2001:db8:701::/40' has host bits set (expected 2001:db8:700::/40)",
            ),
        ),
    ),
    "prefix not nibble-aligned": Bad(
        (('prefix: "2001:db8:700::/40"', 'prefix: "2001:db8:700::/42"'),),
        ((P, "prefix:", "prefix", "/42 is not nibble-aligned (expected a multiple of 4)"),),
    ),
    "levels out of order": Bad(
        (("{name: zone,", "{name: town,"),),
        (
            (
                P,
                "{name: town,",
                "levels[0].name",
                "expected 'zone' (the levels are zone, district, site, unit, subnet, in this order)",
            ),
        ),
    ),
    "unknown zone": Bad(
        (("  internet: 3 ", "  intranet: 4\n  internet: 3 "),),
        (
            (
                P,
                "intranet:",
                "zones.intranet",
                "unknown zone 'intranet' (expected one of: public, private, internet, "
                "infrastructure)",
            ),
        ),
    ),
    "zone without a value": Bad(
        (("  internet: 3 ", "  # internet: 3 "),),
        (
            (
                P,
                "zones:",
                "zones",
                "no value for zone 'internet', which holds VPN INTERNET (expected a value for "
                "every zone in use)",
            ),
        ),
    ),
    "two zones with one value": Bad(
        (("  internet: 3 ", "  internet: 2 "),),
        (
            (
                P,
                "internet:",
                "zones.internet",
                "2 is also the value of zone private (expected a distinct value per zone)",
            ),
        ),
    ),
    "zone in slot 0": Bad(
        (("  public: 1 ", "  public: 0 "),),
        (
            (
                P,
                "public:",
                "zones.public",
                "0 is slot 0, which names the city prefix (expected 1..15, 4 bits)",
            ),
        ),
    ),
    "no infrastructure zone": Bad(
        (("  infrastructure: 15 ", "  # infrastructure: 15 "),),
        (
            (
                P,
                "zones:",
                "zones",
                "missing zone 'infrastructure' (expected the zone that holds the IPv6 pools of "
                "topology/network.yaml)",
            ),
        ),
    ),
    "sites exhausted with growth": Bad(
        (("{name: site, bits: 8, growth: 0.5}", "{name: site, bits: 8, growth: 0.95}"),),
        tuple(
            (
                P,
                "{name: site,",
                "levels[2].growth",
                f"district central of zone {zone} needs {n} site slots; 12 of 256 may be used "
                "with 95% kept for growth",
            )
            for zone, n in (("internet", 15), ("public", 21))
        ),
    ),
    "too many subnets per unit": Bad(
        (("subnets_per_unit: 4", "subnets_per_unit: 9"),),
        (
            (
                P,
                "subnets_per_unit:",
                "subnets_per_unit",
                "each unit needs 9 subnet slots; 8 of 16 may be used with 50% kept for growth",
            ),
        ),
    ),
    "misspelt field": Bad(
        (("subnets_per_unit: 4", "subnet_per_unit: 4"),),
        (
            (
                P,
                "subnet_per_unit:",
                "subnet_per_unit",
                "unknown field (expected one of: prefix, levels, subnets_per_unit, zones); "
                "did you mean 'subnets_per_unit'?",
            ),
        ),
    ),
    "lock entry outside its parent": Bad(
        (
            (
                '"private/binhai/humen": "2001:db8:721:300::/56"',
                '"private/binhai/humen": "2001:db8:722:300::/56"',
            ),
        ),
        (
            (
                L,
                '"private/binhai/humen":',
                "private/binhai/humen",
                "2001:db8:722:300::/56 is outside its parent private/binhai 2001:db8:721::/48 "
                "(restore it, or remove the entry to renumber it)",
            ),
        ),
        lock=True,
    ),
    "duplicate lock prefix": Bad(
        (
            (
                '"public/binhai/houjie": "2001:db8:711:300::/56"',
                '"public/binhai/houjie": "2001:db8:711:200::/56"',
            ),
        ),
        (
            (
                L,
                '"public/binhai/houjie":',
                "public/binhai/houjie",
                "2001:db8:711:200::/56 is also allocated to 'public/binhai/changan'",
            ),
        ),
        lock=True,
    ),
    "reserved lock prefix": Bad(
        (
            (
                '"public/binhai/changan": "2001:db8:711:200::/56"',
                '"public/binhai/changan": "2001:db8:711::/56"',
            ),
        ),
        (
            (
                L,
                '"public/binhai/changan":',
                "public/binhai/changan",
                "2001:db8:711::/56 is slot 0 of public/binhai 2001:db8:711::/48, reserved "
                "because it names the parent (remove the entry to renumber it)",
            ),
        ),
        lock=True,
    ),
    "lock prefix of the wrong length": Bad(
        (
            (
                '"public/binhai/changan": "2001:db8:711:200::/56"',
                '"public/binhai/changan": "2001:db8:711:200::/60"',
            ),
        ),
        (
            (
                L,
                '"public/binhai/changan":',
                "public/binhai/changan",
                "2001:db8:711:200::/60 should be a /56 (a site prefix: /48 + 8 bits)",
            ),
        ),
        lock=True,
    ),
    "lock entry that is no prefix": Bad(
        (('"public/binhai": "2001:db8:711::/48"', '"public/binhai": "2001:db8:711::1/48"'),),
        ((L, '"public/binhai":', "public/binhai", "'2001:db8:711::1/48' has host bits set"),),
        lock=True,
    ),
    "lock key that is no path": Bad(
        (('"public/binhai": ', '"public": "2001:db8:710::/44"\n"public/binhai": '),),
        (
            (
                L,
                '"public":',
                "public",
                "expected a path zone/district, zone/district/site or zone/district/site/vpn",
            ),
        ),
        lock=True,
    ),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_input_is_reported_with_file_line_and_field(
    case: Bad, design_dir: Path, reference: Design
) -> None:
    if case.lock:
        fresh_plan(design_dir, reference).write_lock(design_dir)
    edited = design_dir / (PLAN_LOCK_FILE if case.lock else PLAN_FILE)
    for old, new in case.edits:
        replace_in(edited, old, new)
    plan, problems = plan_of(design_dir, reference)
    assert plan is None
    got = sorted((p.file, p.line, p.field, p.message) for p in problems)
    expected = sorted(
        (file, line_of(design_dir / file, needle), field, message)
        for file, needle, field, message in case.expected
    )
    assert got == expected


def test_a_moved_zone_is_reported_once_on_the_plan(design_dir: Path, reference: Design) -> None:
    fresh_plan(design_dir, reference).write_lock(design_dir)
    replace_in(design_dir / PLAN_FILE, "  public: 1 ", "  public: 4 ")
    plan, problems = plan_of(design_dir, reference)
    assert plan is None
    assert [(p.file, p.line, p.field, p.message) for p in problems] == [
        (
            PLAN_FILE,
            line_of(design_dir / PLAN_FILE, "public:"),
            "zones.public",
            "6 locked allocations lie outside public 2001:db8:740::/44 (first: public/binhai "
            "2001:db8:711::/48); if the prefix or the value of zone public was meant to change, "
            "remove them from ipv6/plan.lock.yaml to renumber them",
        )
    ]


def test_pools_outside_the_infrastructure_zone(design_dir: Path, reference: Design) -> None:
    pools = reference.network.pools.model_copy(
        update={"link_ipv6": Pool(prefix=ipaddress.ip_network("2001:db8:710:100::/56"), length=127)}
    )
    network = reference.network.model_copy(update={"pools": pools})
    plan, problems = plan_of(design_dir, reference, network)
    assert plan is None
    plan_yaml = design_dir / PLAN_FILE
    assert [(p.file, p.line, p.field, p.message) for p in problems] == [
        (
            PLAN_FILE,
            line_of(plan_yaml, "infrastructure:"),
            "zones.infrastructure",
            "pools.link_ipv6 2001:db8:710:100::/56 of topology/network.yaml is outside the "
            "infrastructure zone 2001:db8:7f0::/44 (expected every IPv6 pool but srv6_locator "
            "inside it)",
        ),
        (
            PLAN_FILE,
            line_of(plan_yaml, "public:"),
            "zones.public",
            "zone public 2001:db8:710::/44 overlaps pools.link_ipv6 2001:db8:710:100::/56 of "
            "topology/network.yaml (expected user zones clear of the design's pools)",
        ),
    ]


def test_syntax_errors_and_a_missing_plan(design_dir: Path, reference: Design) -> None:
    (design_dir / PLAN_FILE).write_text("prefix: [\n", encoding="utf-8")
    plan, problems = plan_of(design_dir, reference)
    assert plan is None
    assert [(p.file, p.message.startswith("YAML syntax")) for p in problems] == [(PLAN_FILE, True)]
    assert problems[0].line is not None
    (design_dir / PLAN_FILE).unlink()
    log = ProblemLog()
    assert read_plan(design_dir, reference.network, keys_of(reference), log) == (None, {})
    assert not log.problems


# --- the tree and its numbers -----------------------------------------------------------------


def test_tree_utilisation_on_the_reference(design_dir: Path, reference: Design) -> None:
    root = fresh_plan(design_dir, reference).tree(USAGE)
    assert (root.name, root.prefix, root.level) == ("dongguan", "2001:db8:700::/40", "city")
    assert [c.name for c in root.children] == [
        "public",
        "private",
        "internet",
        "infrastructure",
        "srv6_locator",
    ]

    def use(*names: str) -> tuple[int | None, int | None, float | None]:
        node = root.find(*names)
        return node.used, node.available, node.utilisation

    assert use() == (4, 8, 0.5)  # 4 zones; 16 slots, half kept for growth
    assert use("public") == (6, 8, 0.75)
    assert use("public", "central") == (21, 128, 21 / 128)
    assert use("private", "central") == (12, 128, 12 / 128)
    assert use("private", "songshanhu", "cloud-dc") == (7, 12, 7 / 12)
    assert use("private", "songshanhu", "cloud-dc", "GA-VIDEO") == (4, 8, 0.5)
    unit = root.find("private", "songshanhu", "cloud-dc", "GA-VIDEO")
    assert unit.prefix == "2001:db8:725:220::/60"
    assert [s.prefix for s in unit.children] == [f"2001:db8:725:22{i}::/64" for i in range(1, 5)]
    assert use("infrastructure") == (1, 8, 1 / 8)  # both pools lie in 2001:db8:7ff::/48
    assert use("infrastructure", "loopback_ipv6") == (62, 2**64 - 1, 62 / (2**64 - 1))
    assert use("infrastructure", "link_ipv6")[:2] == (130, 2**71 - 256)  # no ::/127 at IID 0
    assert use("srv6_locator") == (49, 65535, 49 / 65535)
    assert root.find("srv6_locator").prefix == "5f00:0:769::/48"
    unknown = fresh_plan(design_dir, reference).tree().find("srv6_locator")
    assert (unknown.used, unknown.utilisation) == (None, None)


def test_level_use_on_the_reference(design_dir: Path, reference: Design) -> None:
    levels = {u.level: u for u in fresh_plan(design_dir, reference).level_use()}
    got = {
        name: (u.parents, u.used, u.available, u.capacity, u.fullest, u.fullest_used)
        for name, u in levels.items()
    }
    assert got == {
        "zone": (1, 4, 8, 8, "dongguan", 4),
        "district": (3, 18, 8, 24, "public", 6),
        "site": (18, 144, 128, 2304, "public/central", 21),
        "unit": (144, 275, 12, 1728, "private/binhai/humen", 7),
        "subnet": (275, 1100, 8, 2200, "internet/binhai/changan/INTERNET", 4),
    }
    assert levels["unit"].utilisation == 275 / 1728
    assert levels["subnet"].utilisation == 0.5


def test_printed_tree_and_json(design_dir: Path, reference: Design) -> None:
    plan = fresh_plan(design_dir, reference)
    console = Console(record=True, width=200, color_system=None)
    console.print(plan_tree_table(plan, USAGE))
    console.print(plan_levels_table(plan))
    text = console.export_text()
    assert "dongguan 2001:db8:700::/40  zone slots 4/8 (50.0%)" in text
    assert "central 2001:db8:722::/48  site slots 12/128 (9.4%)" in text
    assert "humen 2001:db8:721:300::/56  7 units, 28 /64s  unit slots 7/12 (58.3%)" in text
    assert "loopback_ipv6 2001:db8:7ff::/64  allocations 62/2^64-1 (<0.1%)" in text
    assert "SRv6 SID block 5f00:0:769::/48  /64 locators 49/65,535 (<0.1%)" in text
    assert "2001:db8:721:321::/64" not in text  # /64s are summarised, not listed
    assert "GA-VIDEO" not in text
    payload = json.loads(json.dumps(plan.as_json(USAGE)))
    assert payload["prefix"] == "2001:db8:700::/40"
    assert payload["srv6"] == {
        "block": "5f00:0:769::/48",
        "locator_length": 64,
        "used": 49,
        "available": 65535,
    }
    assert payload["zones"]["infrastructure"] == "2001:db8:7f0::/44"
    assert [lv["used"] for lv in payload["levels"]] == [4, 18, 144, 275, 1100]
    assert payload["tree"]["children"][0]["children"][0]["prefix"] == "2001:db8:711::/48"


def test_pool_usage_counts_the_foundation(reference: Design) -> None:
    usage = pool_usage(reference.addressing.allocations)
    allocations = reference.addressing.allocations
    assert usage["loopback_ipv6"] == len(reference.hosts)
    assert usage["srv6_locator"] == len(allocations[PoolKind.SRV6_LOCATOR])


def test_a_renumbered_parent_takes_its_children_along() -> None:
    """Removing a district's lock entry renumbers it; its sites, locked inside the old prefix,
    follow it instead of being reported."""
    keys = [PlanKey("public", "d1", "s1", "V1"), PlanKey("public", "d2", "s2", "V1")]
    locked = {
        "public/d2": Prefix.parse("2001:db8:11:2000::/52"),
        "public/d2/s2": Prefix.parse("2001:db8:11:2100::/56"),
        "public/d2/s2/V1": Prefix.parse("2001:db8:11:2110::/60"),
    }
    first, problems = allocate_plan(SPEC, keys, {})
    assert not problems
    assert {k: first[k] for k in locked} == locked  # fresh: d1 is slot 1, d2 slot 2
    del locked["public/d2"]
    locked["public/d1"] = Prefix.parse("2001:db8:11:2000::/52")  # d1 now holds d2's slot
    got, problems = allocate_plan(SPEC, keys, locked)
    assert not problems
    assert {k: str(v) for k, v in got.items() if "d2" in k} == {
        "public/d2": "2001:db8:11:1000::/52",
        "public/d2/s2": "2001:db8:11:1100::/56",
        "public/d2/s2/V1": "2001:db8:11:1110::/60",
    }
