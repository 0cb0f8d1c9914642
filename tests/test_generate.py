"""Synthetic province designs: sizes, validity, determinism."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from govnet.design import load_design
from govnet.inventory.roles import Role
from govnet.topology.generate import ProvinceSpec, write_province
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE

SMALL = ProvinceSpec(
    cities=2, rings_per_city=3, towns_per_ring=4, access_rings_per_town=2, access_ring_size=3
)


def test_small_province_is_valid_and_sized(tmp_path: Path) -> None:
    stats = write_province(SMALL, tmp_path, template=REFERENCE)
    design = load_design(tmp_path)
    assert not design.lock_diff.changed  # the generator writes the lock too
    # per city: 10 core/DC + 2 aggregation + 12 towns + 12*2*3 access + 4 CEs = 100
    assert SMALL.devices_per_city() == 100
    assert len(design.hosts) == stats["devices"] == SMALL.device_count() == 202
    roles = Counter(h.role for h in design.hosts.values())
    assert roles[Role.TOWN] == 24
    assert roles[Role.ACCESS] == 144
    assert roles[Role.PROVINCE_WAN_CORE] == 2
    first = [r for r in design.rings if r.level == 1]
    access = [r for r in design.rings if r.level == 2]
    assert len(first) == 6 and len(access) == 48
    assert all(len(r.members) == 6 for r in first)
    assert all(len(r.members) == 5 for r in access)
    assert all(r.members[0] != r.members[-1] for r in first)
    assert len(design.districts) == 2
    graph = build_graph(design)
    import networkx as nx

    assert nx.is_connected(graph)
    assert nx.is_biconnected(nx.Graph(graph))  # every node is on a ring or dual-homed
    assert (tmp_path / "inventory/groups.yaml").read_text() == (
        REFERENCE / "inventory/groups.yaml"
    ).read_text()


def test_generation_is_deterministic(tmp_path: Path) -> None:
    write_province(SMALL, tmp_path / "a")
    write_province(SMALL, tmp_path / "b")
    for path in sorted((tmp_path / "a").rglob("*.yaml")):
        assert (
            path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()
        ), path


def test_default_province_is_about_twenty_thousand_devices() -> None:
    assert ProvinceSpec().device_count() == 20_960


@pytest.mark.slow
def test_full_province_loads(tmp_path: Path) -> None:
    stats = write_province(ProvinceSpec(cities=21), tmp_path)
    design = load_design(tmp_path)
    assert len(design.hosts) == stats["devices"] == 20_960
    assert len(design.links) == stats["links"]
    assert sum(1 for r in design.rings if r.level == 1) == 21 * 7
