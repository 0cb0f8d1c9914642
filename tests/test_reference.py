"""The reference design: Dongguan-like, exactly as the foundation issue describes it."""

from __future__ import annotations

from collections import Counter

from govnet.design import Design
from govnet.inventory.roles import Role
from govnet.topology.models import Zone

TOWNS = {
    # 4 streets
    "guancheng", "nancheng", "dongcheng", "wanjiang",
    # 28 towns
    "shilong", "humen", "zhongtang", "wangniudun", "mayong", "shijie", "gaobu", "hongmei",
    "daojiao", "houjie", "shatian", "changan", "liaobu", "dalingshan", "dalang", "huangjiang",
    "zhangmutou", "fenggang", "tangxia", "xiegang", "qingxi", "changping", "qiaotou", "hengli",
    "dongkeng", "qishi", "shipai", "chashan",
}  # fmt: skip


def roles(design: Design) -> Counter[Role]:
    return Counter(h.role for h in design.hosts.values())


def test_core_pairs(reference: Design) -> None:
    count = roles(reference)
    for role in (
        Role.CITY_WAN_CORE,
        Role.METRO_CORE,
        Role.CLOUD_DC_GW,
        Role.DR_DC_GW,
        Role.INTERNET_EGRESS,
    ):
        assert count[role] == 2, role
    assert [h.name for h in reference.route_reflectors] == ["dg-mc-01", "dg-mc-02"]
    province = [p for p in reference.peers.values() if p.role == Role.PROVINCE_WAN_CORE]
    assert len(province) == 2


def test_towns_districts_and_park(reference: Design) -> None:
    town_sites = {h.site for h in reference.hosts_with_role(Role.TOWN)}
    assert town_sites == TOWNS | {"songshanhu"}
    assert len(TOWNS) == 32
    assert len(reference.districts) == 6
    per_district = Counter(reference.site_district[s] for s in town_sites)
    assert sum(per_district.values()) == 33
    assert all(n >= 4 for n in per_district.values())


def test_seven_first_level_rings(reference: Design) -> None:
    rings = [r for r in reference.rings if r.level == 1]
    assert len(rings) == 7
    sizes = sorted(len(r.members) - 2 for r in rings)
    assert sizes == [4, 4, 4, 4, 4, 5, 7]  # one ring beyond the 6-town guideline (weak spot)
    for ring in rings:
        first, last = ring.members[0], ring.members[-1]
        assert first != last
        assert {reference.hosts[first].role, reference.hosts[last].role} <= {
            Role.AGGREGATION,
            Role.METRO_CORE,
        }


def test_weak_spots_are_there(reference: Design) -> None:
    on_rings = {m for r in reference.rings for m in r.members[1:-1]}
    spurs = [h.name for h in reference.hosts_with_role(Role.TOWN) if h.name not in on_rings]
    assert spurs == ["dg-huangjiang"]
    assert (
        sum(1 for link in reference.links if "dg-huangjiang" in (link.a.device, link.b.device)) == 1
    )
    # one duct carries both exits of ring R1
    r1 = next(r for r in reference.rings if r.name == "R1")
    exits = [{r1.members[0], r1.members[1]}, {r1.members[-2], r1.members[-1]}]
    exit_ducts = [
        set(link.ducts)
        for link in reference.links
        for e in exits
        if {link.a.device, link.b.device} == e
    ]
    assert len(exit_ducts) == 2
    assert exit_ducts[0] & exit_ducts[1] == {"dg-avenue-trunk"}


def test_bureaus_vpns_and_platforms(reference: Design) -> None:
    assert roles(reference)[Role.BUREAU_CE] >= 10
    zones = Counter(v.zone for v in reference.vpns)
    assert zones[Zone.PRIVATE] >= 6
    assert zones[Zone.PUBLIC] == 1
    assert zones[Zone.INTERNET] == 1
    platforms = Counter(h.platform.value for h in reference.hosts.values())
    assert platforms.most_common(1)[0][0] == "huawei_vrp"
    assert platforms["iosxr"] >= 1
    assert platforms["junos"] >= 1
    towns_by_platform = {h.platform.value for h in reference.hosts_with_role(Role.TOWN)}
    assert towns_by_platform == {"huawei_vrp", "iosxr", "junos"}
    assert len(reference.demands) >= 3 * 33


def test_reference_lock_is_current(reference: Design) -> None:
    assert not reference.lock_diff.changed
    assert reference.warnings == []
