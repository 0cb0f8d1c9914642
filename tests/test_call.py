"""`govnet call DEVICE METHOD`: the real driver class answers through a replayed session; the
platform's stub getters are refused, and the stub list is the installed driver's."""

from __future__ import annotations

import ast
import inspect
import warnings
from typing import Any

import napalm_huawei_vrp.huawei_vrp as vrp_module  # type: ignore[import-untyped]
import pytest
from typer.testing import CliRunner

from govnet.cli import app
from govnet.inventory.drivers.huawei_vrp import HuaweiVRPDriver
from govnet.inventory.drivers.stubs import STUB_GETTERS
from tests.conftest import json_result
from tests.replay import ReplayConnection

CREDENTIALS = {"GOVNET_USERNAME": "noc-reader", "GOVNET_PASSWORD": "secret"}

# `display lldp neighbor brief` as the NE-series command reference lays it out
LLDP_BRIEF = """\
Local Intf       Neighbor Dev             Neighbor Intf             Exptime(s)
100GE1/0/0       dg-agg-central           100GE1/0/2                113
100GE1/0/1       dg-houjie                100GE1/0/0                101
<dg-humen>"""


def _does_nothing(function: ast.FunctionDef) -> bool:
    """Its body, docstring aside, is ``pass`` and at most an empty mapping returned."""
    body = [
        s
        for s in function.body
        if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    kinds = [type(s) for s in body]
    returns_empty = all(
        isinstance(s, ast.Pass)
        or (isinstance(s, ast.Assign) and isinstance(s.value, ast.Dict) and not s.value.keys)
        or isinstance(s, ast.Return)
        for s in body
    )
    return ast.Pass in kinds and returns_empty


def test_the_stub_list_is_the_installed_drivers() -> None:
    with warnings.catch_warnings():  # the module's regexes have invalid escape sequences
        warnings.simplefilter("ignore", DeprecationWarning)
        tree = ast.parse(inspect.getsource(vrp_module))
    driver = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "VRPDriver")
    stubs = {
        f.name
        for f in driver.body
        if isinstance(f, ast.FunctionDef) and f.name.startswith("get_") and _does_nothing(f)
    }
    assert stubs == STUB_GETTERS["huawei_vrp"]


def test_a_stub_is_refused_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["call", "dg-humen", "get_route_to"])
    assert result.exit_code == 2
    flat = " ".join(result.output.split())
    assert "huawei_vrp: get_route_to is an empty stub" in flat
    assert "methods that work: cli, get_arp_table," in flat


def test_an_unknown_method_lists_the_ones_there_are() -> None:
    result = CliRunner().invoke(app, ["call", "dg-qingxi", "get_fact"])
    assert result.exit_code == 2
    assert "junos: no read-only method 'get_fact' (methods: cli, get_arp_table," in " ".join(
        result.output.split()
    )


def test_a_getter_answers_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    replay = ReplayConnection({"display lldp neighbor brief": LLDP_BRIEF})
    opened: list[Any] = []

    def open_replay(self: HuaweiVRPDriver) -> None:
        opened.append((self.hostname, self.username))
        self.device = replay

    monkeypatch.setattr(HuaweiVRPDriver, "open", open_replay)
    monkeypatch.setattr(HuaweiVRPDriver, "close", lambda self: None)
    result = CliRunner().invoke(app, ["call", "dg-humen", "get_lldp_neighbors"])
    assert result.exit_code == 0, result.output
    assert json_result(result.stdout) == {
        "100GE1/0/0": [{"hostname": "dg-agg-central", "port": "100GE1/0/2"}],
        "100GE1/0/1": [{"hostname": "dg-houjie", "port": "100GE1/0/0"}],
    }
    assert replay.sent == ["display lldp neighbor brief"]
    assert opened and opened[0][1] == "noc-reader"


def test_arguments_are_json_where_they_read_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    seen: list[Any] = []

    def cli(self: HuaweiVRPDriver, commands: list[str]) -> dict[str, str]:
        seen.append(commands)
        return {c: "ok" for c in commands}

    monkeypatch.setattr(HuaweiVRPDriver, "open", lambda self: None)
    monkeypatch.setattr(HuaweiVRPDriver, "close", lambda self: None)
    monkeypatch.setattr(HuaweiVRPDriver, "cli", cli)
    result = CliRunner().invoke(
        app, ["call", "dg-humen", "cli", "--arg", 'commands=["display version"]']
    )
    assert result.exit_code == 0, result.output
    assert seen == [["display version"]]
    assert json_result(result.stdout) == {"display version": "ok"}


def test_the_stock_driver_drops_the_last_lldp_row_and_govnets_does_not() -> None:
    stock = vrp_module.VRPDriver("10.199.2.24", "noc-reader", "secret")
    stock.device = ReplayConnection({"display lldp neighbor brief": LLDP_BRIEF})
    assert list(stock.get_lldp_neighbors()) == ["100GE1/0/0"]
    ours = HuaweiVRPDriver("10.199.2.24", "noc-reader", "secret")
    ours.device = ReplayConnection({"display lldp neighbor brief": LLDP_BRIEF})
    assert list(ours.get_lldp_neighbors()) == ["100GE1/0/0", "100GE1/0/1"]
