"""govnet.nornir, the library face: the design's inventory in Nornir's own InitNornir, the
credentials transform found as a Nornir plugin, tasks that give what the CLI gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from nornir import InitNornir
from nornir.core.filter import F

from govnet.design import Design
from govnet.nornir import Govnet, render_config
from govnet.templates.render import render_design
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVNET_USERNAME", "noc-reader")
    monkeypatch.setenv("GOVNET_PASSWORD", "secret")


def test_the_inventory_filters_on_the_design_and_carries_the_credentials(
    credentials: None, reference: Design
) -> None:
    govnet = Govnet.load(REFERENCE)
    nr = InitNornir(inventory=govnet.inventory(), logging={"enabled": False})
    towns = nr.filter(F(role="town") & F(district="binhai"))
    expected = sorted(
        n for n, h in reference.hosts.items() if h.role.value == "town" and h.district == "binhai"
    )
    assert sorted(towns.inventory.hosts) == expected
    humen = towns.inventory.hosts["dg-humen"]
    assert (humen.username, humen.password) == ("noc-reader", "secret")
    assert humen.hostname == str(reference.hosts["dg-humen"].hostname)


def test_render_config_is_what_govnet_render_writes(credentials: None, reference: Design) -> None:
    govnet = Govnet.load(REFERENCE)
    nr = InitNornir(inventory=govnet.inventory(), logging={"enabled": False})
    chosen = nr.filter(F(role="metro_core"))
    results = chosen.run(task=render_config, govnet=govnet)
    expected = {
        c.hostname: c.text
        for c in render_design(reference, build_graph(reference), ["dg-mc-01", "dg-mc-02"])
    }
    assert {host: r[0].result for host, r in results.items()} == expected


def test_a_missing_lab_is_said(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no lab recorded in"):
        Govnet.load(REFERENCE, lab_state=f"{tmp_path}/none.json")
