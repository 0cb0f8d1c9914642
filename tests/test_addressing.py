"""Sticky allocation: nothing renumbers when the design grows or shrinks."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from govnet.design import load_design
from govnet.diagnostics import ProblemLog
from govnet.topology.addressing import (
    LOCK_FILE,
    LockEntries,
    PoolKind,
    Prefix,
    allocate,
    lock_text,
    read_lock,
    reserved,
    usable_slots,
    write_lock,
)
from govnet.topology.models import Pool, Pools
from govnet.yamlio import parse_yaml
from tests.conftest import replace_in, without_spur

NEW_TOWN_HOST = """
dg-newtown:
  hostname: 10.199.2.99
  platform: huawei_vrp
  groups: [huawei_vrp]
  data: {role: town, site: newtown, district: binhai, model: NE8000 M8}
"""
NEW_TOWN_LINKS = """  - a: {device: dg-newtown, interface: 10GE2/0/0}
    b: {device: dg-agg-binhai, interface: 10GE2/0/40}
    capacity_mbps: 10000
    length_km: 5.0
  - a: {device: dg-newtown, interface: 10GE2/0/1}
    b: {device: dg-agg-central, interface: 10GE2/0/40}
    capacity_mbps: 10000
    length_km: 7.5
"""


def add_town(root: Path) -> None:
    with (root / "inventory/hosts.yaml").open("a", encoding="utf-8") as hosts:
        hosts.write(NEW_TOWN_HOST)
    with (root / "topology/links.yaml").open("a", encoding="utf-8") as links:
        links.write(NEW_TOWN_LINKS)
    replace_in(
        root / "topology/sites.yaml",
        "  # --- city bureaus\n",
        "  - {name: newtown, kind: town}\n  # --- city bureaus\n",
    )


def flat(allocations: dict[PoolKind, dict[str, Prefix]]) -> dict[tuple[str, str], str]:
    return {
        (k.value, key): str(p) for k, entries in allocations.items() for key, p in entries.items()
    }


def test_adding_a_town_renumbers_nothing(design_dir: Path) -> None:
    before = flat(load_design(design_dir).addressing.allocations)
    add_town(design_dir)
    grown = load_design(design_dir)
    after = flat(grown.addressing.allocations)
    assert {k: after[k] for k in before} == before
    new = {k: v for k, v in after.items() if k not in before}
    assert set(new) == {
        ("loopback_ipv4", "dg-newtown"),
        ("loopback_ipv6", "dg-newtown"),
        ("srv6_locator", "dg-newtown"),
        ("link_ipv4", "dg-agg-binhai--dg-newtown"),
        ("link_ipv6", "dg-agg-binhai--dg-newtown"),
        ("link_ipv4", "dg-agg-central--dg-newtown"),
        ("link_ipv6", "dg-agg-central--dg-newtown"),
    }
    # the first free slots of each pool: after the 62 loopbacks, and after the 130 link
    # subnets (91 links + 39 PE-CE sub-interfaces) and the reserved first /31
    assert new[("loopback_ipv4", "dg-newtown")] == "10.200.0.63/32"
    assert new[("link_ipv4", "dg-agg-binhai--dg-newtown")] == "10.201.1.6/31"
    assert new[("link_ipv4", "dg-agg-central--dg-newtown")] == "10.201.1.8/31"
    assert grown.lock_diff.summary() == (
        "+1 loopback_ipv4, +1 loopback_ipv6, +2 link_ipv4, +2 link_ipv6, +1 srv6_locator"
    )


def test_removing_a_town_renumbers_nothing_and_frees_its_slots(design_dir: Path) -> None:
    before = flat(load_design(design_dir).addressing.allocations)
    without_spur(design_dir)  # huangjiang: one host, one site, one link, one demand triple
    shrunk = load_design(design_dir)
    after = flat(shrunk.addressing.allocations)
    gone = {k for k in before if "huangjiang" in k[1]}
    # loopbacks, locator, link subnets, and its LAN subnet in each of its 6 VPNs
    assert len(gone) == 5 + 6
    assert {k: before[k] for k in after} == after
    assert set(before) - set(after) == gone
    write_lock(design_dir, shrunk.addressing)
    # the freed loopback is handed to the next new device
    add_town(design_dir)
    regrown = flat(load_design(design_dir).addressing.allocations)
    assert regrown[("loopback_ipv4", "dg-newtown")] == before[("loopback_ipv4", "dg-huangjiang")]


def test_fresh_allocation_is_deterministic(design_dir: Path) -> None:
    (design_dir / LOCK_FILE).unlink()
    first = flat(load_design(design_dir).addressing.allocations)
    second = flat(load_design(design_dir).addressing.allocations)
    assert first == second
    assert (
        first[("loopback_ipv4", "dg-agg-binhai")] == "10.200.0.1/32"
    )  # sorted order, slot 0 reserved
    assert first[("link_ipv6", "dg-agg-binhai--dg-changan")] == "2001:db8:7ff:100::2/127"


def test_lock_round_trip(design_dir: Path) -> None:
    design = load_design(design_dir)
    text = lock_text(design.addressing)
    assert text == (design_dir / LOCK_FILE).read_text(encoding="utf-8")
    log = ProblemLog()
    parsed = read_lock(parse_yaml(text, LOCK_FILE), log)
    assert not log.problems
    allocated = {k: v for k, v in design.addressing.allocations.items() if v}
    assert {k: dict(v) for k, v in parsed.entries.items()} == allocated


def test_reserved_slots_follow_rfc_6164() -> None:
    links = Pool(prefix=ipaddress.ip_network("2001:db8::/63"), length=127)
    # slots 0 (2001:db8::/127) and 2**63 (2001:db8:0:1::/127) start at an all-zero IID
    assert reserved(links, 0) and reserved(links, 2**63)
    assert not reserved(links, 1) and not reserved(links, 2**63 + 1)
    assert usable_slots(links) == 2**64 - 2
    v4 = Pool(prefix=ipaddress.ip_network("10.0.0.0/30"), length=31)
    assert reserved(v4, 0) and not reserved(v4, 1) and usable_slots(v4) == 1


# --- property test: the allocator against a brute-force reference -----------------------------

POOLS = Pools(
    loopback_ipv4=Pool(prefix=ipaddress.ip_network("10.0.0.0/26"), length=32),
    link_ipv4=Pool(prefix=ipaddress.ip_network("10.1.0.0/24"), length=31),
    loopback_ipv6=Pool(prefix=ipaddress.ip_network("2001:db8::/122"), length=128),
    link_ipv6=Pool(prefix=ipaddress.ip_network("2001:db8:1::/120"), length=127),
    srv6_locator=Pool(prefix=ipaddress.ip_network("5f00::/58"), length=64),
)


def brute_force(pool: Pool, keep: dict[str, str], new_keys: list[str]) -> dict[str, str]:
    """Walk every prefix of the pool in order with the ipaddress module; take the first
    that is not reserved and not kept."""
    taken = set(keep.values())
    result = dict(keep)
    candidates = list(pool.prefix.subnets(new_prefix=pool.length))
    for key in sorted(new_keys):
        for candidate in candidates:
            iid_zero = (
                candidate.version == 6
                and pool.length > 64
                and int(candidate.network_address) % 2**64 == 0
            )
            if candidate == candidates[0] or iid_zero or str(candidate) in taken:
                continue
            result[key] = str(candidate)
            taken.add(str(candidate))
            break
    return result


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sets(st.sampled_from([f"n{i:02d}" for i in range(40)]), max_size=30),
        min_size=1,
        max_size=6,
    )
)
def test_allocator_matches_brute_force_over_a_history(steps: list[set[str]]) -> None:
    lock = LockEntries()
    kinds = [kind for kind in PoolKind if getattr(POOLS, kind.value) is not None]
    previous: dict[PoolKind, dict[str, str]] = {kind: {} for kind in kinds}
    for keys in steps:
        needed = {kind: sorted(keys) for kind in kinds}
        log = ProblemLog()
        addressing, diff = allocate(POOLS, needed, lock, log, "topology/network.yaml")
        assert not log.problems
        for kind in kinds:
            pool = getattr(POOLS, kind.value)
            got = {k: str(p) for k, p in addressing.allocations[kind].items()}
            keep = {k: v for k, v in previous[kind].items() if k in keys}
            expected = brute_force(pool, keep, [k for k in keys if k not in keep])
            assert got == expected
            assert {k: got[k] for k in keep} == keep  # sticky
            assert len(set(got.values())) == len(got)  # unique
            assert sorted(diff.added[kind]) == sorted(k for k in keys if k not in keep)
            previous[kind] = got
        lock = LockEntries({k: dict(v) for k, v in addressing.allocations.items()})


def test_exhaustion_is_reported_on_the_pool() -> None:
    log = ProblemLog()
    needed = {PoolKind.LOOPBACK_IPV4: [f"d{i}" for i in range(64)]}
    allocate(POOLS, needed, LockEntries(), log, "topology/network.yaml")
    (problem,) = log.errors
    assert problem.field == "pools.loopback_ipv4.prefix"
    assert problem.message == (
        "pool exhausted: 10.0.0.0/26 holds 63 /32 allocations, the design needs 64"
    )


def test_prefix_parsing() -> None:
    assert str(Prefix.parse("10.1.2.0/31")) == "10.1.2.0/31"
    assert str(Prefix.parse("2001:db8::2/127")) == "2001:db8::2/127"
    assert Prefix.parse("2001:db8::/64").network() == ipaddress.ip_network("2001:db8::/64")
    for bad in ("10.1.2.1/30", "10.1.2.0", "10.1.2.0/33", "banana/24", "2001:db8::1/64"):
        try:
            Prefix.parse(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} was accepted")
