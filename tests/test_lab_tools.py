"""`govnet lab inventory / exec / connect / status` without a lab: what they write, refuse
and run (the live use is in tests/test_lab.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from nornir import InitNornir
from nornir.core.filter import F
from typer.testing import CliRunner

from govnet.cli import app
from govnet.cli_lab_tools import router_command, vtysh_command
from govnet.design import Design
from govnet.ipv6.live import simple_inventory
from govnet.labs.netns import LabState

STATE = {
    "routers": {"dg-mc-01": "gn-aaaa", "dg-humen": "gn-bbbb", "dg-ce-gaj": "gn-cccc"},
    "loopbacks": {
        "dg-mc-01": ["10.200.0.44", "2001:db8:7ff::2c"],
        "dg-humen": ["10.200.0.39", "2001:db8:7ff::27"],
        "dg-ce-gaj": ["10.200.0.60", "2001:db8:7ff::3c"],
    },
    "vantage": "dg-mc-01",
    "noc_address": "10.199.0.21",
    "management": {"dg-ce-gaj": "10.199.2.24"},
}


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(STATE), encoding="utf-8")
    return path


def test_the_lab_inventory_loads_in_nornir_and_filters_by_design_facts(
    tmp_path: Path, state_file: Path
) -> None:
    out = tmp_path / "inventory"
    result = CliRunner().invoke(
        app, ["lab", "inventory", "--out", str(out), "--state", str(state_file)]
    )
    assert result.exit_code == 0, result.output
    nornir = InitNornir(
        runner={"plugin": "serial"},
        logging={"enabled": False},
        inventory=simple_inventory(out / "hosts.yaml", out / "groups.yaml", out / "defaults.yaml"),
    )
    assert sorted(nornir.inventory.hosts) == ["dg-ce-gaj", "dg-humen", "dg-mc-01"]
    humen = nornir.inventory.hosts["dg-humen"]
    assert (humen.hostname, humen.platform) == ("gn-bbbb", "frr")
    assert humen["role"] == "town" and humen["district"] == "binhai"
    extras = humen.get_connection_parameters("frr_netns").extras
    assert extras["management"]["vantage_namespace"] == "gn-aaaa"
    assert extras["management"]["address"] == "10.200.0.39"
    towns = nornir.filter(F(role="town"))
    assert sorted(towns.inventory.hosts) == ["dg-humen"]


def test_a_router_is_entered_by_its_namespaces(state_file: Path) -> None:
    lab = LabState.load(state_file)
    argv = router_command(lab, "dg-humen", ["ip", "-brief", "address"])
    assert argv == [
        "nsenter",
        "--net=/run/netns/gn-bbbb",
        "--uts=/run/govnet/uts/gn-bbbb",
        "ip",
        "-brief",
        "address",
    ]
    assert vtysh_command(lab, "dg-mc-01")[-3:] == ["vtysh", "-N", "gn-aaaa"]
    with pytest.raises(typer.Exit) as caught:
        router_command(lab, "dg-nowhere", ["true"])
    assert caught.value.exit_code == 2


def test_exec_names_the_routers_of_the_lab(state_file: Path) -> None:
    result = CliRunner().invoke(
        app, ["lab", "exec", "dg-nowhere", "--state", str(state_file), "--", "true"]
    )
    assert result.exit_code == 2
    assert "no router 'dg-nowhere' in the lab (routers: dg-ce-gaj, dg-humen, dg-mc-01)" in (
        " ".join(result.output.split())
    )


@pytest.mark.parametrize("command", ["status", "exec", "connect", "inventory", "verify", "push"])
def test_without_a_lab_every_command_says_so(tmp_path: Path, command: str) -> None:
    extra = {"exec": ["dg-humen", "--", "true"], "connect": ["dg-humen"]}.get(command, [])
    if command == "inventory":
        extra = ["--out", str(tmp_path / "inventory")]
    state = tmp_path / "none.json"
    result = CliRunner().invoke(app, ["lab", command, "--state", str(state), *extra])
    assert result.exit_code == 1, result.output
    assert f"lab: no lab recorded in {state} (run `govnet lab up`)" in " ".join(
        result.output.split()
    )


def test_the_lab_inventory_carries_the_design_data(reference: Design, state_file: Path) -> None:
    from govnet.labs.inventory_export import lab_inventory

    hosts = lab_inventory(LabState.load(state_file), reference, {})
    assert hosts["dg-ce-gaj"]["data"]["role"] == "bureau_ce"
    assert "connection_options" not in hosts["dg-ce-gaj"]
