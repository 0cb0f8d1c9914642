"""Bad input: one realistic mistake per test, made by editing a copy of the reference design as an
engineer would, and the exact problem the loader must report for it (file, line, field, message).

Every test also checks how many errors the mistake produces, so that a cascade (one mistake
reported as dozens of problems) fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import pytest
import yaml_rs
from typer.testing import CliRunner

from govnet.cli import app
from govnet.diagnostics import Problem
from tests.conftest import REFERENCE, line_of, load_errors, replace_in

HOSTS = "inventory/hosts.yaml"
GROUPS = "inventory/groups.yaml"
DEFAULTS = "inventory/defaults.yaml"
NETWORK = "topology/network.yaml"
SITES = "topology/sites.yaml"
RINGS = "topology/rings.yaml"
LINKS = "topology/links.yaml"
SERVICES = "topology/services.yaml"
DEMANDS = "topology/demands.yaml"
LOCK = "topology/addresses.lock.yaml"
UPLINKS = "topology/uplinks.yaml"

# (file, line, field, a part of the message that carries its meaning)
Expected = tuple[str, int | None, str, str]


# --- helpers ----------------------------------------------------------------------------------


def check(errors: list[Problem], *expected: Expected) -> None:
    """The errors are exactly ``expected``, in the loader's order (file, line, field)."""
    shown = "\n".join(p.format() for p in errors) or "(none)"
    assert len(errors) == len(expected), f"expected {len(expected)} error(s), got:\n{shown}"
    for problem, (file, line, field, text) in zip(errors, expected, strict=True):
        assert (problem.file, problem.line, problem.field) == (file, line, field), shown
        assert text in problem.message, shown


def data(root: Path, name: str) -> Any:
    return yaml_rs.loads((root / name).read_text(encoding="utf-8"), parse_datetime=False)


def link_index(root: Path, a: str, b: str) -> int:
    """Index in links.yaml of the only link from device ``a`` to device ``b``."""
    ends = [(link["a"]["device"], link["b"]["device"]) for link in data(root, LINKS)["links"]]
    hits = [i for i, pair in enumerate(ends) if pair == (a, b)]
    assert len(hits) == 1, hits
    return hits[0]


def index_by_name(root: Path, name: str, key: str, value: str) -> int:
    names = [item["name"] for item in data(root, name)[key]]
    assert names.count(value) == 1, names
    return names.index(value)


def line_after(path: Path, anchor: str, needle: str) -> int:
    """1-based line of the first line containing ``needle`` at or after the only line
    containing ``anchor`` (e.g. a key inside one host's block)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = line_of(path, anchor)
    return next(n for n, text in enumerate(lines[start - 1 :], start) if needle in text)


def break_links_yaml(root: Path) -> int:
    """Leave a flow mapping in links.yaml unclosed; return the line of the mistake."""
    path = root / LINKS
    good = "  - a: {device: dg-huangjiang, interface: 10GE2/0/0}\n"
    replace_in(path, good, good.replace("}", ""))
    return line_of(path, "{device: dg-huangjiang, interface: 10GE2/0/0")


# --- YAML -------------------------------------------------------------------------------------


def test_yaml_syntax_error_in_links_is_reported(design_dir: Path) -> None:
    mistake = break_links_yaml(design_dir)
    errors = load_errors(design_dir)
    # ruamel.yaml points at the token where it noticed the missing '}': the next line.
    check(
        [p for p in errors if p.file == LINKS],
        (
            LINKS,
            mistake + 1,
            "(document)",
            f"while parsing a flow mapping started on line {mistake}: expected ',' or '}}'",
        ),
    )
    assert next(p for p in errors if p.file == LINKS).message.startswith("YAML syntax")


def test_yaml_syntax_error_in_links_is_the_only_error(design_dir: Path) -> None:
    mistake = break_links_yaml(design_dir)
    check(
        load_errors(design_dir),
        (LINKS, mistake + 1, "(document)", "YAML syntax: while parsing a flow mapping"),
    )


@pytest.mark.parametrize(
    ("good", "bad", "offset", "message"),
    [
        pytest.param(
            "  - {source: guancheng, target: dr-dc, mbps: 150}\n",
            "  - {source: guancheng, target: dr-dc, mbps: 150\n",
            1,  # noticed at the next item
            "expected ',' or '}', but got '{'",
            id="unclosed-flow-mapping",
        ),
        pytest.param(
            "  - {source: guancheng, target: dr-dc, mbps: 150}\n",
            "\t- {source: guancheng, target: dr-dc, mbps: 150}\n",
            0,
            "YAML syntax: while scanning for the next token: found character '\\t'",
            id="tab-indent",
        ),
    ],
)
def test_yaml_syntax_error_in_demands(
    design_dir: Path, good: str, bad: str, offset: int, message: str
) -> None:
    path = design_dir / DEMANDS
    replace_in(path, good, bad)
    mistake = line_of(path, "{source: guancheng, target: dr-dc, mbps: 150")
    check(load_errors(design_dir), (DEMANDS, mistake + offset, "(document)", message))


def rename_second_wan_to_first(root: Path) -> int:
    """Copy-paste slip: dg-wan-02's block keeps the key dg-wan-01. Returns its line."""
    path = root / HOSTS
    line = line_of(path, "dg-wan-02:")
    replace_in(path, "dg-wan-02:\n", "dg-wan-01:\n")
    return line


def test_duplicate_host_key_is_reported(design_dir: Path) -> None:
    line = rename_second_wan_to_first(design_dir)
    errors = load_errors(design_dir)
    check(
        [p for p in errors if p.file == HOSTS],
        (
            HOSTS,
            line,
            "(document)",
            "YAML: duplicate key 'dg-wan-01' (a key may appear once in a mapping)",
        ),
    )


def test_duplicate_host_key_is_the_only_error(design_dir: Path) -> None:
    line = rename_second_wan_to_first(design_dir)
    check(load_errors(design_dir), (HOSTS, line, "(document)", "duplicate key 'dg-wan-01'"))


# --- hosts ------------------------------------------------------------------------------------


def test_unknown_platform(design_dir: Path) -> None:
    path = design_dir / HOSTS
    replace_in(
        path,
        "dg-humen:\n  hostname: 10.199.2.24\n  platform: huawei_vrp\n",
        "dg-humen:\n  hostname: 10.199.2.24\n  platform: cisco_ios\n",
    )
    check(
        load_errors(design_dir),
        (
            HOSTS,
            line_of(path, "platform: cisco_ios"),
            "dg-humen.platform",
            "expected 'huawei_vrp', 'iosxr', 'junos' or 'frr' (got 'cisco_ios')",
        ),
    )


def test_unknown_role(design_dir: Path) -> None:
    path = design_dir / HOSTS
    replace_in(path, "    role: town\n    site: humen\n", "    role: towns\n    site: humen\n")
    errors = load_errors(design_dir)
    check(errors, (HOSTS, line_of(path, "role: towns"), "dg-humen.data.role", "(got 'towns')"))
    assert "'aggregation', 'town', 'access', 'bureau_ce' or 'isp'" in errors[0].message


def test_misspelled_field_in_host_data(design_dir: Path) -> None:
    path = design_dir / HOSTS
    replace_in(path, "    role: town\n    site: humen\n", "    rol: town\n    site: humen\n")
    check(
        load_errors(design_dir),
        # one mistake, one error: the 'required field is missing' of 'role' follows from it
        (
            HOSTS,
            line_of(path, "rol: town"),
            "dg-humen.data.rol",
            "unknown field (expected one of: role, site, district, model, name_zh, lan_interface); "
            "did you mean 'role'?",
        ),
    )


@pytest.mark.parametrize(
    ("good", "bad", "field", "message"),
    [
        pytest.param(
            "    site: humen\n",
            "    site: humenn\n",
            "dg-humen.data.site",
            "unknown site 'humenn' (not in topology/sites.yaml)",
            id="site",
        ),
        pytest.param(
            "    site: humen\n    district: binhai\n",
            "    site: humen\n    district: binhia\n",
            "dg-humen.data.district",
            "unknown district 'binhia' (not in topology/sites.yaml districts)",
            id="district",
        ),
        pytest.param(
            "  hostname: 10.199.2.24\n  platform: huawei_vrp\n  groups: [huawei_vrp]\n",
            "  hostname: 10.199.2.24\n  platform: huawei_vrp\n  groups: [huawei-vrp]\n",
            "dg-humen.groups[0]",
            "unknown group 'huawei-vrp' (not in inventory/groups.yaml)",
            id="group",
        ),
    ],
)
def test_host_refers_to_unknown_name(
    design_dir: Path, good: str, bad: str, field: str, message: str
) -> None:
    path = design_dir / HOSTS
    replace_in(path, good, bad)
    changed = next(b for g, b in zip(good.splitlines(), bad.splitlines(), strict=True) if g != b)
    check(load_errors(design_dir), (HOSTS, line_of(path, changed), field, message))


@pytest.mark.parametrize(
    ("address", "message"),
    [
        pytest.param(
            "10.199.2.23",  # dg-shatian's
            "management address 10.199.2.23 is also used by 'dg-shatian'",
            id="duplicate",
        ),
        pytest.param(
            "10.198.2.24",
            "management address 10.198.2.24 is outside the management prefixes (10.199.0.0/16)",
            id="outside-prefix",
        ),
    ],
)
def test_bad_management_address(design_dir: Path, address: str, message: str) -> None:
    path = design_dir / HOSTS
    line = line_of(path, "hostname: 10.199.2.24")
    replace_in(path, "  hostname: 10.199.2.24\n", f"  hostname: {address}\n")
    check(load_errors(design_dir), (HOSTS, line, "dg-humen.hostname", message))


@pytest.mark.parametrize(
    ("file", "good", "bad", "field"),
    [
        pytest.param(
            HOSTS,
            "  hostname: 10.199.2.24\n",
            "  hostname: 10.199.2.24\n  password: Huawei@123\n",
            "dg-humen.password",
            id="host",
        ),
        pytest.param(
            GROUPS,
            "iosxr:\n  platform: iosxr\n",
            "iosxr:\n  platform: iosxr\n  password: Huawei@123\n",
            "iosxr.password",
            id="group",
        ),
        pytest.param(
            DEFAULTS, "port: 22\n", "port: 22\nusername: admin\n", "username", id="defaults"
        ),
    ],
)
def test_credentials_in_a_file(
    design_dir: Path, file: str, good: str, bad: str, field: str
) -> None:
    path = design_dir / file
    replace_in(path, good, bad)
    added = bad.splitlines()[-1].strip()
    check(
        load_errors(design_dir),
        (file, line_of(path, added), field, "set GOVNET_USERNAME and GOVNET_PASSWORD"),
    )


# --- links ------------------------------------------------------------------------------------

SPUR_A = "  - a: {device: dg-huangjiang, interface: 10GE2/0/0}\n"
SPUR_B = "    b: {device: dg-agg-southeast, interface: 10GE2/0/2}\n"


def spur_index(root: Path) -> int:
    return link_index(root, "dg-huangjiang", "dg-agg-southeast")


@pytest.mark.parametrize(
    ("good", "bad", "field", "message"),
    [
        pytest.param(
            SPUR_B,
            SPUR_B.replace("dg-agg-southeast", "dg-agg-sotheast"),
            "b.device",
            "unknown device 'dg-agg-sotheast' (not in inventory/hosts.yaml)",
            id="missing-device",
        ),
        pytest.param(
            SPUR_B,
            SPUR_B.replace("dg-agg-southeast", "dg-huangjiang"),
            "b.device",
            "link from 'dg-huangjiang' to itself",
            id="to-itself",
        ),
        pytest.param(
            SPUR_A,
            SPUR_A.replace("10GE2/0/0", "ge-0/0/1"),
            "a.interface",
            "'ge-0/0/1' is not a huawei_vrp interface name (for example 100GE1/0/0)",
            id="junos-interface-on-huawei",
        ),
        pytest.param(
            "    ducts: [spur-huangjiang]\n",
            "    ducts: [spur-huangjang]\n",
            "ducts[0]",
            "unknown duct 'spur-huangjang' (not in topology/ducts.yaml)",
            id="unknown-duct",
        ),
    ],
)
def test_bad_link(design_dir: Path, good: str, bad: str, field: str, message: str) -> None:
    path = design_dir / LINKS
    index = spur_index(design_dir)
    replace_in(path, good, bad)
    check(
        load_errors(design_dir),
        (LINKS, line_of(path, bad.strip()), f"links[{index}].{field}", message),
    )


def test_interface_used_by_two_links(design_dir: Path) -> None:
    path = design_dir / LINKS
    index = spur_index(design_dir)
    line = line_of(path, SPUR_B.strip())
    # 10GE2/0/1 of dg-agg-southeast already carries ring R7
    replace_in(path, SPUR_B, SPUR_B.replace("10GE2/0/2", "10GE2/0/1"))
    check(
        load_errors(design_dir),
        (
            LINKS,
            line,
            f"links[{index}].b.interface",
            "interface dg-agg-southeast 10GE2/0/1 is already used by link "
            "dg-agg-southeast--dg-tangxia",
        ),
    )


CLOUD_PAIR = (
    "  - a: {device: dg-cloud-01, interface: 100GE1/0/2}\n"
    "    b: {device: dg-cloud-02, interface: 100GE1/0/2}\n"
    "    capacity_mbps: 100000\n"
    "    length_km: 0.2\n"
)


def test_parallel_links_without_ids(design_dir: Path) -> None:
    path = design_dir / LINKS
    first = link_index(design_dir, "dg-cloud-01", "dg-cloud-02")
    second_link = CLOUD_PAIR.replace("100GE1/0/2", "100GE1/0/3")
    replace_in(path, CLOUD_PAIR, CLOUD_PAIR + second_link)
    check(
        load_errors(design_dir),
        (
            LINKS,
            line_of(path, "{device: dg-cloud-01, interface: 100GE1/0/3}"),
            f"links[{first + 1}]",
            "parallel links between dg-cloud-01 and dg-cloud-02: give each an 'id' "
            f"(the other is links[{first}])",
        ),
    )


def test_link_block_pasted_twice(design_dir: Path) -> None:
    """The same block twice: parallel links without ids, on interfaces already in use."""
    path = design_dir / LINKS
    first = link_index(design_dir, "dg-cloud-01", "dg-cloud-02")
    start = line_of(path, "{device: dg-cloud-01, interface: 100GE1/0/2}")
    replace_in(path, CLOUD_PAIR, CLOUD_PAIR * 2)
    copy, pasted = f"links[{first + 1}]", start + CLOUD_PAIR.count("\n")
    check(
        load_errors(design_dir),
        (LINKS, pasted, copy, "parallel links between dg-cloud-01 and dg-cloud-02"),
        (LINKS, pasted, f"{copy}.a.interface", "interface dg-cloud-01 100GE1/0/2 is already used"),
        (
            LINKS,
            pasted + 1,
            f"{copy}.b.interface",
            "interface dg-cloud-02 100GE1/0/2 is already used",
        ),
    )


def test_town_attached_to_the_wan_core(design_dir: Path) -> None:
    path = design_dir / LINKS
    index = spur_index(design_dir) + 1
    spur_ducts = "    ducts: [spur-huangjiang]\n"
    replace_in(
        path,
        spur_ducts,
        spur_ducts + "  - a: {device: dg-huangjiang, interface: 10GE2/0/1}\n"
        "    b: {device: dg-wan-01, interface: 10GE2/0/0}\n"
        "    capacity_mbps: 10000\n"
        "    length_km: 30.0\n",
    )
    check(
        load_errors(design_dir),
        (
            LINKS,
            line_of(path, "b: {device: dg-wan-01, interface: 10GE2/0/0}"),
            f"links[{index}].b.device",
            "town 'dg-huangjiang' cannot attach to city_wan_core 'dg-wan-01' "
            "(a town attaches to access, aggregation, bureau_ce, metro_core or town)",
        ),
    )


def test_negative_capacity(design_dir: Path) -> None:
    path = design_dir / LINKS
    index = link_index(design_dir, "dg-wan-01", "dg-mc-01")
    block = "    b: {device: dg-mc-01, interface: 100GE1/0/0}\n    capacity_mbps: 100000\n"
    replace_in(path, block, block.replace("100000", "-100000"))
    check(
        load_errors(design_dir),
        (
            LINKS,
            line_of(path, "capacity_mbps: -100000"),
            f"links[{index}].capacity_mbps",
            "expected greater than 0 (got -100000)",
        ),
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param("dg-huangjiang", "dg-agg-southeast", id="only-link-of-a-spur-town"),
        pytest.param("dg-agg-central", "dg-nancheng", id="ring-link"),
    ],
)
def test_negative_capacity_is_the_only_error(design_dir: Path, a: str, b: str) -> None:
    path = design_dir / LINKS
    index = link_index(design_dir, a, b)
    link = data(design_dir, LINKS)["links"][index]
    block = (
        f"    b: {{device: {b}, interface: {link['b']['interface']}}}\n"
        f"    capacity_mbps: {link['capacity_mbps']}\n"
    )
    replace_in(path, block, block.replace("capacity_mbps: ", "capacity_mbps: -"))
    check(
        load_errors(design_dir),
        (
            LINKS,
            line_of(path, f"capacity_mbps: -{link['capacity_mbps']}"),
            f"links[{index}].capacity_mbps",
            "expected greater than 0",
        ),
    )


# --- rings ------------------------------------------------------------------------------------

R1 = "[dg-agg-central, dg-nancheng, dg-guancheng, dg-wanjiang, dg-dongcheng, dg-mc-01]"


def test_ring_repeats_a_node(design_dir: Path) -> None:
    path = design_dir / RINGS
    replace_in(path, "dg-changping, dg-qishi, dg-qiaotou", "dg-changping, dg-dongkeng, dg-qiaotou")
    ring = index_by_name(design_dir, RINGS, "rings", "R6")
    line = line_of(path, "dg-changping, dg-dongkeng, dg-qiaotou")
    check(
        load_errors(design_dir),
        (
            RINGS,
            line,
            f"rings[{ring}].members[3]",
            "ring 'R6' passes 'dg-dongkeng' twice (also at position 1)",
        ),
        # and the ring now runs from dg-dongkeng to dg-qiaotou, which no fiber joins
        (
            RINGS,
            line,
            f"rings[{ring}].members[4]",
            "no link between ring neighbours 'dg-dongkeng' and 'dg-qiaotou'",
        ),
    )


def test_ring_member_written_twice_in_a_row(design_dir: Path) -> None:
    path = design_dir / RINGS
    replace_in(path, "dg-changping, dg-qishi", "dg-changping, dg-changping, dg-qishi")
    ring = index_by_name(design_dir, RINGS, "rings", "R6")
    check(
        load_errors(design_dir),
        (
            RINGS,
            line_of(path, "dg-changping, dg-changping"),
            f"rings[{ring}].members[3]",
            "ring 'R6' passes 'dg-changping' twice (also at position 2)",
        ),
    )


def test_ring_with_two_members(design_dir: Path) -> None:
    path = design_dir / RINGS
    replace_in(path, R1, "[dg-agg-central, dg-mc-01]")
    check(
        load_errors(design_dir),
        (
            RINGS,
            line_of(path, "[dg-agg-central, dg-mc-01]"),
            f"rings[{index_by_name(design_dir, RINGS, 'rings', 'R1')}].members",
            "ring 'R1' has 2 member(s); a ring needs at least 3",
        ),
    )


def test_ring_neighbours_without_a_link(design_dir: Path) -> None:
    """dg-shilong left out of R5: dg-chashan and dg-shipai become neighbours."""
    path = design_dir / RINGS
    replace_in(path, "dg-chashan, dg-shilong, dg-shipai", "dg-chashan, dg-shipai")
    ring = index_by_name(design_dir, RINGS, "rings", "R5")
    position = data(design_dir, RINGS)["rings"][ring]["members"].index("dg-shipai")
    check(
        load_errors(design_dir),
        (
            RINGS,
            line_of(path, "dg-chashan, dg-shipai"),
            f"rings[{ring}].members[{position}]",
            "no link between ring neighbours 'dg-chashan' and 'dg-shipai' in topology/links.yaml",
        ),
    )


@pytest.mark.parametrize(
    ("members", "position", "message"),
    [
        pytest.param(
            # dg-ce-gaj is linked to both closing nodes, so only its role is wrong
            "[dg-agg-central, dg-ce-gaj, dg-mc-01]",
            1,
            "a bureau_ce cannot sit inside a level-1 ring (expected town)",
            id="bureau-ce-inside",
        ),
        pytest.param(
            "[dg-agg-central, dg-nancheng, dg-guancheng, dg-wanjiang, dg-dongcheng]",
            4,
            "a town cannot close a level-1 ring (expected aggregation or metro_core)",
            id="town-closes",
        ),
    ],
)
def test_wrong_role_in_first_level_ring(
    design_dir: Path, members: str, position: int, message: str
) -> None:
    path = design_dir / RINGS
    replace_in(path, R1, members)
    ring = index_by_name(design_dir, RINGS, "rings", "R1")
    check(
        load_errors(design_dir),
        (RINGS, line_of(path, members), f"rings[{ring}].members[{position}]", message),
    )


# --- duplicate names --------------------------------------------------------------------------

TANGXIA = "  - {name: tangxia, kind: town, name_zh: 塘厦镇, location: [114.075, 22.8]}\n"


@pytest.mark.parametrize(
    ("file", "key", "edited", "good", "bad", "name", "message"),
    [
        pytest.param(
            RINGS,
            "rings",
            "R7",
            "  - name: R7\n",
            "  - name: R6\n",
            "R6",
            "duplicate ring 'R6' (first defined at topology/rings.yaml rings[{first}])",
            id="ring",
        ),
        pytest.param(
            SITES,
            "sites",
            "tangxia",
            TANGXIA,
            TANGXIA + TANGXIA,  # pasted twice
            "tangxia",
            "duplicate site 'tangxia' (first defined at topology/sites.yaml sites[{first}])",
            id="site",
        ),
        pytest.param(
            SERVICES,
            "vpns",
            "STHJ-ENV",
            "  - name: STHJ-ENV\n",
            "  - name: YJ-EMERGENCY\n",
            "YJ-EMERGENCY",
            "duplicate VPN 'YJ-EMERGENCY' (first defined at topology/services.yaml vpns[{first}])",
            id="vpn",
        ),
    ],
)
def test_duplicate_name(
    design_dir: Path,
    file: str,
    key: str,
    edited: str,
    good: str,
    bad: str,
    name: str,
    message: str,
) -> None:
    """A renamed item (ring R7 named R6 again, VPN STHJ-ENV named YJ-EMERGENCY) or an item
    pasted twice (site tangxia): the later one is reported."""
    path = design_dir / file
    first = index_by_name(design_dir, file, key, name)
    second = index_by_name(design_dir, file, key, edited)
    line = line_of(path, good.strip())
    replace_in(path, good, bad)
    if bad == good * 2:  # the copy comes right after the original
        line, second = line + 1, second + 1
    check(
        load_errors(design_dir),
        (file, line, f"{key}[{second}].name", message.format(first=first)),
    )


def test_duplicate_vpn_id(design_dir: Path) -> None:
    path = design_dir / SERVICES
    first = index_by_name(design_dir, SERVICES, "vpns", "YJ-EMERGENCY")
    second = index_by_name(design_dir, SERVICES, "vpns", "STHJ-ENV")
    line = line_of(path, "id: 307")
    replace_in(path, "    id: 307\n", "    id: 306\n")
    check(
        load_errors(design_dir),
        (
            SERVICES,
            line,
            f"vpns[{second}].id",
            f"duplicate VPN id '306' (first defined at topology/services.yaml vpns[{first}])",
        ),
    )


# --- services and demands ---------------------------------------------------------------------


def test_vpn_without_sites(design_dir: Path) -> None:
    path = design_dir / SERVICES
    vpn = index_by_name(design_dir, SERVICES, "vpns", "STHJ-ENV")
    sites = data(design_dir, SERVICES)["vpns"][vpn]["sites"]
    replace_in(path, f"    sites: [{', '.join(sites)}]\n", "    sites: []\n")
    check(
        load_errors(design_dir),
        (SERVICES, line_of(path, "sites: []"), f"vpns[{vpn}].sites", "VPN 'STHJ-ENV' has no sites"),
    )


@pytest.mark.parametrize(
    ("department", "attachment_class"),
    [
        pytest.param("civil-affairs", "A", id="class-A"),
        pytest.param("education", "B", id="class-B"),
    ],
)
def test_private_vpn_of_a_department_without_private_network(
    design_dir: Path, department: str, attachment_class: str
) -> None:
    path = design_dir / SERVICES
    vpn = index_by_name(design_dir, SERVICES, "vpns", "STHJ-ENV")
    replace_in(path, "    department: ecology-environment\n", f"    department: {department}\n")
    check(
        load_errors(design_dir),
        (
            SERVICES,
            line_of(path, f"department: {department}"),
            f"vpns[{vpn}].department",
            f"department '{department}' has attachment class {attachment_class}, which has no "
            "private network (expected class D or E)",
        ),
    )


def test_demand_to_unknown_site(design_dir: Path) -> None:
    path = design_dir / DEMANDS
    pairs = [(d["source"], d["target"]) for d in data(design_dir, DEMANDS)["demands"]]
    index = pairs.index(("guancheng", "dr-dc"))
    replace_in(path, "{source: guancheng, target: dr-dc,", "{source: guancheng, target: dr-cd,")
    check(
        load_errors(design_dir),
        (
            DEMANDS,
            line_of(path, "target: dr-cd"),
            f"demands[{index}].target",
            "unknown site 'dr-cd' (not in topology/sites.yaml)",
        ),
    )


# --- pools and the lock file ------------------------------------------------------------------

LOOPBACK_POOL = "loopback_ipv4: {prefix: 10.200.0.0/22, length: 32}"


def test_overlapping_pools(design_dir: Path) -> None:
    path = design_dir / NETWORK
    replace_in(path, "link_ipv4: {prefix: 10.201.0.0/20", "link_ipv4: {prefix: 10.200.0.0/20")
    check(
        load_errors(design_dir),
        (
            NETWORK,
            line_of(path, "link_ipv4:"),
            "pools.link_ipv4.prefix",
            "10.200.0.0/20 overlaps 10.200.0.0/22 (pools.loopback_ipv4.prefix)",
        ),
    )


def exhausted_loopback_pool(root: Path) -> Expected:
    path = root / NETWORK
    replace_in(path, LOOPBACK_POOL, LOOPBACK_POOL.replace("/22", "/27"))
    devices = len(data(root, HOSTS))
    return (
        NETWORK,
        line_of(path, "loopback_ipv4:"),
        "pools.loopback_ipv4.prefix",
        f"pool exhausted: 10.200.0.0/27 holds 31 /32 allocations, the design needs {devices}",
    )


def test_exhausted_pool(design_dir: Path) -> None:
    """The pool shrinks under the lock: the locked loopbacks beyond the /27 are reported once,
    on the pool, with the way to renumber them, beside the exhaustion itself."""
    exhausted = exhausted_loopback_pool(design_dir)
    outside = [
        (key, prefix)
        for key, prefix in data(design_dir, LOCK)["loopback_ipv4"].items()
        if not IPv4Network(prefix).subnet_of(IPv4Network("10.200.0.0/27"))
    ]
    assert len(outside) == 31
    first_key, first_prefix = min(outside, key=lambda kv: IPv4Network(kv[1]))
    summary = (
        NETWORK,
        exhausted[1],
        "pools.loopback_ipv4.prefix",
        f"31 locked allocation(s) lie outside 10.200.0.0/27 (first: {first_key} {first_prefix}); "
        "if the pool was meant to change, renumber them with `govnet lock --renumber loopback_ipv4`",
    )
    check(load_errors(design_dir), summary, exhausted)


def test_renumber_after_a_planned_pool_change(design_dir: Path) -> None:
    from typer.testing import CliRunner

    from govnet.cli import app

    replace_in(
        design_dir / NETWORK,
        "loopback_ipv4: {prefix: 10.200.0.0/22, length: 32}",
        "loopback_ipv4: {prefix: 10.210.0.0/24, length: 32}",
    )
    runner = CliRunner()
    assert runner.invoke(app, ["lock", "--design", str(design_dir)]).exit_code == 2
    result = runner.invoke(
        app, ["lock", "--design", str(design_dir), "--renumber", "loopback_ipv4"]
    )
    assert result.exit_code == 0, result.output
    loopbacks = data(design_dir, LOCK)["loopback_ipv4"]
    assert len(loopbacks) == 62
    assert all(IPv4Network(p).subnet_of(IPv4Network("10.210.0.0/24")) for p in loopbacks.values())
    assert data(design_dir, LOCK)["link_ipv4"]["dg-agg-binhai--dg-changan"] == "10.201.0.2/31"


def test_exhausted_pool_without_lock(design_dir: Path) -> None:
    (design_dir / LOCK).unlink()
    exhausted = exhausted_loopback_pool(design_dir)
    check(load_errors(design_dir), exhausted)


@pytest.mark.parametrize(
    ("good", "bad", "field", "message"),
    [
        pytest.param(
            '"dg-agg-binhai": "10.200.0.1/32"',
            '"dg-agg-binhai": "10.210.0.1/32"',
            "loopback_ipv4.dg-agg-binhai",
            "10.210.0.1/32 is outside its pool 10.200.0.0/22 (restore it, or renumber with `govnet lock --renumber loopback_ipv4`)",
            id="outside-pool",
        ),
        pytest.param(
            '"dg-agg-central": "10.200.0.2/32"',
            '"dg-agg-central": "10.200.0.1/32"',
            "loopback_ipv4.dg-agg-central",
            "10.200.0.1/32 is also allocated to 'dg-agg-binhai'",
            id="same-prefix-twice",
        ),
    ],
)
def test_bad_lock_entry(design_dir: Path, good: str, bad: str, field: str, message: str) -> None:
    path = design_dir / LOCK
    replace_in(path, good, bad)
    check(load_errors(design_dir), (LOCK, line_of(path, bad), field, message))


# --- design files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "topology/link.yaml",
            "addresses.lock.yaml, demands.yaml, ducts.yaml, links.yaml, management.yaml, network.yaml, "
            "rings.yaml, services.yaml, sites.yaml, uplinks.yaml",
            id="topology",
        ),
        pytest.param(
            "inventory/host.yaml", "defaults.yaml, groups.yaml, hosts.yaml", id="inventory"
        ),
    ],
)
def test_unknown_design_file(design_dir: Path, name: str, expected: str) -> None:
    (design_dir / name).write_text("# saved under the wrong name\n", encoding="utf-8")
    check(
        load_errors(design_dir),
        (name, None, "(document)", f"unknown design file (expected one of: {expected})"),
    )


def test_missing_network_file(design_dir: Path) -> None:
    (design_dir / NETWORK).unlink()
    check(load_errors(design_dir), (NETWORK, None, "(document)", "required file is missing"))


def test_missing_links_file_is_reported(design_dir: Path) -> None:
    (design_dir / LINKS).unlink()
    errors = load_errors(design_dir)
    check(
        [p for p in errors if p.file == LINKS],
        (LINKS, None, "(document)", "required file is missing"),
    )


def test_missing_links_file_is_the_only_error(design_dir: Path) -> None:
    (design_dir / LINKS).unlink()
    check(load_errors(design_dir), (LINKS, None, "(document)", "required file is missing"))


# --- every problem at once --------------------------------------------------------------------


def test_three_mistakes_in_three_files(design_dir: Path) -> None:
    hosts, links, services = design_dir / HOSTS, design_dir / LINKS, design_dir / SERVICES
    spur, vpn = spur_index(design_dir), index_by_name(design_dir, SERVICES, "vpns", "STHJ-ENV")
    first = index_by_name(design_dir, SERVICES, "vpns", "YJ-EMERGENCY")
    id_line = line_of(services, "id: 307")

    replace_in(
        hosts, "    site: humen\n    district: binhai\n", "    site: humen\n    district: binhia\n"
    )
    replace_in(links, SPUR_A, SPUR_A.replace("10GE2/0/0", "ge-0/0/1"))
    replace_in(services, "    id: 307\n", "    id: 306\n")

    check(
        load_errors(design_dir),
        (
            HOSTS,
            line_of(hosts, "district: binhia"),
            "dg-humen.data.district",
            "unknown district 'binhia'",
        ),
        (
            LINKS,
            line_of(links, "ge-0/0/1"),
            f"links[{spur}].a.interface",
            "'ge-0/0/1' is not a huawei_vrp interface name",
        ),
        (
            SERVICES,
            id_line,
            f"vpns[{vpn}].id",
            f"duplicate VPN id '306' (first defined at topology/services.yaml vpns[{first}])",
        ),
    )


# --- the command line -------------------------------------------------------------------------


def break_spur_device(root: Path) -> Problem:
    """Misspell a device in links.yaml; return the problem the CLI must show."""
    path = root / LINKS
    index = spur_index(root)
    bad = SPUR_B.replace("dg-agg-southeast", "dg-agg-sotheast")
    replace_in(path, SPUR_B, bad)
    return Problem(
        LINKS,
        ("links", index, "b", "device"),
        "unknown device 'dg-agg-sotheast' (not in inventory/hosts.yaml)",
        line=line_of(path, bad.strip()),
    )


def test_cli_refuses_a_broken_design_and_writes_nothing(design_dir: Path) -> None:
    problem = break_spur_device(design_dir)
    expected = f"topology/links.yaml:{problem.line}: {problem.field}: {problem.message}"
    runner = CliRunner()

    result = runner.invoke(app, ["validate", "--design", str(design_dir)])
    assert result.exit_code == 2, result.output
    # only up to the message's first words: the rest may be wrapped onto the next line
    # (see test_cli_prints_each_problem_on_one_line)
    assert expected.split(" (not in")[0] in result.output
    assert "1 error(s) in design" in result.output

    lock = design_dir / LOCK
    before = lock.read_bytes(), lock.stat().st_mtime_ns, sorted(os.listdir(lock.parent))
    result = runner.invoke(app, ["lock", "--design", str(design_dir)])
    assert result.exit_code == 2, result.output
    assert "1 error(s) in design" in result.output
    assert (lock.read_bytes(), lock.stat().st_mtime_ns, sorted(os.listdir(lock.parent))) == before


def test_cli_validate_json(design_dir: Path) -> None:
    expected = break_spur_device(design_dir)
    result = CliRunner().invoke(app, ["validate", "--json", "--design", str(design_dir)])
    assert result.exit_code == 2, result.output
    document = json.loads(result.stdout)
    assert document["result"] == {"design": str(design_dir), "valid": False}
    assert (document["command"], document["ok"]) == ("govnet validate", False)
    assert document == {
        **document,
        "problems": [
            {
                "file": "topology/links.yaml",
                "line": expected.line,
                "field": expected.field,
                "message": expected.message,
                "severity": "error",
            }
        ],
    }


def test_cli_prints_each_problem_on_one_line(design_dir: Path) -> None:
    expected = break_spur_device(design_dir).format()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    result = subprocess.run(
        [sys.executable, "-m", "govnet.cli", "validate", "--design", str(design_dir)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr.splitlines()


def test_two_uplinks_in_one_subnet(design_dir: Path) -> None:
    path = design_dir / UPLINKS
    replace_in(
        path,
        "ipv4: 198.51.100.1/30, peer_ipv4: 198.51.100.2/30",
        "ipv4: 203.0.113.1/30, peer_ipv4: 203.0.113.2/30",
    )
    check(
        load_errors(design_dir),
        (
            UPLINKS,
            line_of(path, "device: dg-inet-02") + 1,  # the line of its ipv4 key
            f"uplinks[{len(data(design_dir, UPLINKS)['uplinks']) - 1}].ipv4",
            "subnet 203.0.113.0/30 is also used by uplink dg-inet-01--ct-dongguan",
        ),
    )


def test_lan_port_already_cabled(design_dir: Path) -> None:
    path = design_dir / HOSTS
    replace_in(
        path,
        "    model: NE8000 M8\n    lan_interface: GE3/1/0\n",
        "    model: NE8000 M8\n    lan_interface: 10GE2/0/0\n",
        count=29,
    )
    errors = load_errors(design_dir)
    humen = [p for p in errors if p.field == "dg-humen.data.lan_interface"]
    assert len(humen) == 1
    assert (
        humen[0].message
        == "10GE2/0/0 is already cabled to a link in topology/links.yaml or topology/uplinks.yaml"
    )
    assert humen[0].line == line_of(path, "dg-humen:") + 9


@pytest.mark.parametrize(
    ("good", "bad", "field", "message"),
    [
        pytest.param(
            "  spf_short_delay_ms: 50 ",
            "  spf_short_delay_ms: 20 ",
            "igp.spf_short_delay_ms",
            "must not be shorter than spf_initial_delay_ms (50)",
            id="short-before-initial",
        ),
        pytest.param(
            "  spf_long_delay_ms: 2000 ",
            "  spf_long_delay_ms: 2500 ",
            "igp.spf_long_delay_ms",
            "multiple of 1000",
            id="long-not-whole-seconds",
        ),
        pytest.param(
            "  spf_long_delay_ms: 2000 ",
            "  spf_long_delay_ms: 1000 ",
            "igp.spf_long_delay_ms",
            "1000 ms is outside what junos takes (2000..10000 ms; hosts dg-qingxi, dg-shilong)",
            id="junos-holddown-range",
        ),
        pytest.param(
            "  spf_initial_delay_ms: 50 ",
            "  spf_initial_delay_ms: 20 ",
            "igp.spf_initial_delay_ms",
            "20 ms is outside what junos takes (50..1000 ms; hosts dg-qingxi, dg-shilong)",
            id="junos-delay-range",
        ),
    ],
)
def test_bad_spf_back_off(design_dir: Path, good: str, bad: str, field: str, message: str) -> None:
    """The SPF back-off timers: in order, and configurable on every platform of the design."""
    path = design_dir / NETWORK
    line = line_of(path, good.strip())
    replace_in(path, good, bad)
    if field == "igp.spf_initial_delay_ms":  # keep the short wait after the initial one
        replace_in(path, "  spf_short_delay_ms: 50 ", "  spf_short_delay_ms: 20 ")
    check(load_errors(design_dir), (NETWORK, line, field, message))


def test_spf_long_wait_shorter_than_the_short_one(design_dir: Path) -> None:
    path = design_dir / NETWORK
    replace_in(path, "  spf_short_delay_ms: 50 ", "  spf_short_delay_ms: 3000 ")
    check(
        load_errors(design_dir),
        (
            NETWORK,
            line_of(path, "spf_long_delay_ms: 2000"),
            "igp.spf_long_delay_ms",
            "must not be shorter than spf_short_delay_ms (3000)",
        ),
    )


# --- whatever a person saves: dates, encodings, nesting, renamed and empty files ------------

WAVES = "ipv6/waves.yaml"
IPV6_SERVICES = "ipv6/services.yaml"


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("2026-02-30", "day value is outside expected range"),
        ("2026-13-01", "month value is outside expected range"),
        ("2025-02-29", "day value is outside expected range"),
    ],
)
def test_impossible_date_in_waves(design_dir: Path, bad: str, why: str) -> None:
    path = design_dir / WAVES
    replace_in(path, "    done: 2026-01-22\n", f"    done: {bad}\n")
    check(
        load_errors(design_dir),
        (WAVES, line_of(path, f"done: {bad}"), "waves[1].done", why),
    )


def test_impossible_date_in_ipv6_services(design_dir: Path) -> None:
    path = design_dir / IPV6_SERVICES
    replace_in(
        path,
        "owner: health, aaaa: true, reachable_v6: false, checked: 2026-11-16}",
        "owner: health, aaaa: true, reachable_v6: false, checked: 2026-11-31}",
    )
    check(
        load_errors(design_dir),
        (IPV6_SERVICES, line_of(path, "2026-11-31"), "services[2].checked", "day value is outside"),
    )


def test_file_saved_as_gbk(design_dir: Path) -> None:
    path = design_dir / SITES
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("gbk"))
    first_chinese = next(
        n for n, line in enumerate(text.splitlines(), 1) if any(ord(c) > 127 for c in line)
    )
    check(load_errors(design_dir), (SITES, first_chinese, "(document)", "GBK"))


def test_byte_order_mark_keeps_line_numbers(design_dir: Path) -> None:
    path = design_dir / HOSTS
    replace_in(path, "    role: town\n    site: humen\n", "    role: twon\n    site: humen\n")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    check(
        load_errors(design_dir),
        (HOSTS, line_of(path, "role: twon"), "dg-humen.data.role", "'twon'"),
    )


@pytest.mark.parametrize(
    "nested",
    [
        "demands: " + "[" * 3000 + "]" * 3000 + "\n",
        "demands:\n" + "".join("  " * i + "a:\n" for i in range(2000)),
    ],
    ids=["flow", "block"],
)
def test_deeply_nested_file(design_dir: Path, nested: str) -> None:
    (design_dir / DEMANDS).write_text(nested, encoding="utf-8")
    errors = load_errors(design_dir)
    check(errors, (DEMANDS, errors[0].line, "(document)", "nested more than 64 levels deep"))
    assert errors[0].line is not None and errors[0].line <= 66


def test_empty_hosts_file_is_one_error(design_dir: Path) -> None:
    (design_dir / HOSTS).write_text("", encoding="utf-8")
    check(load_errors(design_dir), (HOSTS, 1, "(document)", "the file is empty"))


def test_renamed_file_is_one_error(design_dir: Path) -> None:
    (design_dir / "topology/ducts.yaml").rename(design_dir / "topology/duct.yaml")
    check(
        load_errors(design_dir),
        ("topology/duct.yaml", None, "(document)", "did you mean topology/ducts.yaml?"),
    )


def test_design_pointing_at_a_sub_folder(design_dir: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--design", str(design_dir / "topology")])
    assert result.exit_code == 2, result.output
    assert f"use --design {design_dir.resolve()}" in " ".join(result.output.split())
    assert "1 error(s) in design" in result.output


def test_an_error_is_never_hidden_by_warnings(design_dir: Path) -> None:
    from govnet.cli_common import MAX_PRINTED, err, print_problems

    warnings = [
        Problem("topology/ducts.yaml", ("ducts", i), "unused", "warning") for i in range(120)
    ]
    error = Problem("topology/links.yaml", ("links", 0), "the one typo", line=3)
    with err.capture() as captured:
        print_problems([*warnings, error])
    lines = captured.get().splitlines()
    assert lines[0] == "topology/links.yaml:3: links[0]: the one typo"
    assert len(lines) == MAX_PRINTED + 1
    assert lines[-1] == f"… and {120 - (MAX_PRINTED - 1)} more warning(s) (--json lists them all)"


def test_banner_with_a_double_quote_on_vrp(design_dir: Path) -> None:
    path = design_dir / "topology/management.yaml"
    replace_in(path, "authorised use only.", 'authorised use only, "official".')
    check(
        load_errors(design_dir),
        ("topology/management.yaml", line_of(path, "banner:"), "banner", "double quote"),
    )


def test_banner_too_long_for_vrp(design_dir: Path) -> None:
    path = design_dir / "topology/management.yaml"
    replace_in(path, "authorised use only.", "authorised use only. " + "x" * 480)
    check(
        load_errors(design_dir),
        ("topology/management.yaml", line_of(path, "banner:"), "banner", "at most 480 characters"),
    )


# --- validate checks the design's templates, feature matrix and lint rules ------------------


@pytest.fixture
def design_with_templates(design_dir: Path) -> Path:
    """The reference design with its own copy of the templates (a design may carry its own)."""
    shutil.copytree(REFERENCE / "templates", design_dir / "templates")
    return design_dir


def _validate_problems(design_dir: Path) -> list[dict[str, Any]]:
    """`govnet validate --json` on a broken design: exit 2 and its problems."""
    result = CliRunner().invoke(app, ["validate", "--json", "--design", str(design_dir)])
    assert result.exit_code == 2, result.output
    problems: list[dict[str, Any]] = json.loads(result.stdout)["problems"]
    return problems


def test_validate_reports_a_template_syntax_error_once(design_with_templates: Path) -> None:
    design_dir = design_with_templates
    path = design_dir / "templates/huawei_vrp/bgp.j2"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines, 1) if line.startswith("bgp "))
    lines[number - 1] = lines[number - 1].rstrip("\n") + " {% if %}\n"
    path.write_text("".join(lines), encoding="utf-8")
    problems = _validate_problems(design_dir)
    assert [(p["file"], p["line"]) for p in problems] == [("templates/huawei_vrp/bgp.j2", number)]
    assert problems[0]["message"].startswith("syntax: ")
    out = design_dir / "out"
    rendered = CliRunner().invoke(app, ["render", "--design", str(design_dir), "--out", str(out)])
    assert rendered.exit_code == 2
    assert rendered.output.count("templates/huawei_vrp/bgp.j2") == 1
    assert not out.exists()


def test_validate_reports_an_undefined_variable_with_its_template_line(
    design_with_templates: Path,
) -> None:
    design_dir = design_with_templates
    path = design_dir / "templates/iosxr/system.j2"
    text = path.read_text(encoding="utf-8")
    number = text.count("\n", 0, text.index("{% if mg.banner %}")) + 1
    path.write_text(
        text.replace("{% if mg.banner %}", "{{ mg.bannner }}{% if mg.banner %}"), encoding="utf-8"
    )
    problems = _validate_problems(design_dir)
    assert len(problems) == 1, problems
    assert (problems[0]["file"], problems[0]["line"]) == ("templates/iosxr/system.j2", number)
    assert "has no attribute 'bannner'" in problems[0]["message"]
    assert "devices dg-" in problems[0]["message"]


def test_validate_reports_a_typo_in_the_feature_matrix(design_with_templates: Path) -> None:
    design_dir = design_with_templates
    path = design_dir / "templates/features.yaml"
    replace_in(path, "  isis:  ", "  isiss: ")
    replace_in(
        path,
        "  bfd:                   {huawei_vrp: true",
        "  bfd:                   {huawei_vrp: ture",
    )
    problems = [(p["line"], p["field"], p["message"]) for p in _validate_problems(design_dir)]
    assert problems == [
        (
            line_of(path, "isiss:"),
            "features.isiss",
            "unknown feature (the reference's templates/features.yaml has no such row); did you mean 'isis'?",
        ),
        (
            line_of(path, "huawei_vrp: ture"),
            "features.bfd.huawei_vrp",
            "expected true or false (got 'ture')",
        ),
    ]


def test_validate_reports_a_typo_in_a_lint_rule(design_dir: Path) -> None:
    path = design_dir / "checks/lint/frr.yaml"
    replace_in(
        path,
        "    title: no clear-text passwords in the routing configuration",
        "    titel: no clear-text passwords in the routing configuration",
    )
    problems = _validate_problems(design_dir)
    assert [(p["file"], p["line"], p["field"]) for p in problems] == [
        ("checks/lint/frr.yaml", line_of(path, "titel:"), "rules[0].titel")
    ]
    assert problems[0]["message"].endswith("did you mean 'title'?")


def test_lint_rule_whose_regex_does_not_compile(design_dir: Path) -> None:
    path = design_dir / "checks/lint/frr.yaml"
    replace_in(
        path,
        "forbid: ['^\\s*(enable )?password (?!%SECRET\\()\\S+']",
        "forbid: ['^\\s*(enable )?password ((?!%SECRET\\()\\S+']",
    )
    for command in (["lint"], ["validate"]):
        result = CliRunner().invoke(app, [*command, "--design", str(design_dir)])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        flat = " ".join(result.output.split())
        assert (
            f"checks/lint/frr.yaml:{line_of(path, '((?!')}: rules[0].forbid: regular expression"
            in flat
        )
        assert "does not compile: missing ), unterminated subpattern" in flat


def test_design_that_is_not_a_design(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a design\n", encoding="utf-8")
    check(
        load_errors(tmp_path),
        (str(tmp_path), None, "(document)", "not a design directory: it has none of inventory/"),
    )


def test_unknown_host_names_the_closest_one() -> None:
    result = CliRunner().invoke(app, ["render", "--hosts", "dg-agg-centrl", "--intent"])
    assert result.exit_code == 2
    assert "unknown host(s): dg-agg-centrl (did you mean dg-agg-central?)" in result.output


def test_unknown_ring_lists_the_rings(reference: Any) -> None:
    from govnet.labs.netns import LabError, core_and_rings

    with pytest.raises(LabError) as caught:
        core_and_rings(reference, ["R1", "R9"])
    assert str(caught.value) == (
        "no such ring or device: R9 (rings: R1, R2, R3, R4, R5, R6, R7; or a device name)"
    )
