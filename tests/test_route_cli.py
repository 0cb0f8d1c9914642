"""VRP routing-table and interface parsers, and the loopback hooks run through a real
HuaweiVRPDriver behind a Nornir host (only the connection lookup is patched)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest
from nornir.core import Nornir
from nornir.core.inventory import Host
from nornir.core.task import Result, Task
from pytest_mock import MockerFixture

from govnet.design import Design
from govnet.inventory.drivers.huawei_vrp import HuaweiVRPDriver
from govnet.inventory.platforms import DEVICE_CONNECTION, Platform
from govnet.inventory.push import design_loopbacks
from govnet.inventory.route_cli import (
    LOOPBACK_CLI_HOOKS,
    ROUTE_CLI_HOOKS,
    VRP_IPV4_INTERFACES_COMMAND,
    VRP_IPV4_ROUTES_COMMAND,
    VRP_IPV6_INTERFACES_COMMAND,
    VRP_IPV6_ROUTES_COMMAND,
    Route,
    judge_loopback_routes,
    parse_huawei_vrp_ipv4_interfaces,
    parse_huawei_vrp_ipv4_routes,
    parse_huawei_vrp_ipv6_interfaces,
    parse_huawei_vrp_ipv6_routes,
)
from govnet.inventory.verification import Check, Loopbacks
from govnet.ipv6.live import UnexpectedOutput, build_nornir
from govnet.templates.build import build_intents
from govnet.templates.intent import DeviceIntent
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE
from tests.replay import ReplayConnection

DATA = Path(__file__).parent / "data" / "vrp"
HOST = "dg-humen"


def recorded(name: str) -> str:
    return (DATA / f"huawei_vrp_{name}.txt").read_text(encoding="utf-8")


IPV4_TABLE = recorded("display_ip_routing-table_dg-humen")
IPV6_TABLE = recorded("display_ipv6_routing-table_dg-humen")
IPV4_BRIEF = recorded("display_ip_interface_brief_dg-humen")
IPV6_BRIEF = recorded("display_ipv6_interface_brief_dg-humen")


# --- parsers on documented layouts


def test_ipv4_table_of_the_configuration_guide() -> None:
    routes = parse_huawei_vrp_ipv4_routes(recorded("display_ip_routing-table_documented"))
    assert len(routes) == 11
    assert Route("2.2.2.9/32", "ISIS-L2") in routes
    assert Route("127.255.255.255/32", "Direct") in routes
    assert Route("22.22.22.0/24", "ISIS-L2") in routes


def test_ipv4_table_with_equal_cost_rows_wrapped_names_and_several_protocols() -> None:
    routes = parse_huawei_vrp_ipv4_routes(recorded("display_ip_routing-table_ecmp"))
    assert [route.protocol for route in routes if route.prefix == "2.2.2.0/24"] == [
        "ISIS-L2",
        "ISIS-L2",
    ]
    assert [route.protocol for route in routes if route.prefix == "10.125.3.8/30"] == [
        "EBGP",
        "EBGP",
    ]
    assert {route.protocol for route in routes} == {
        "Static",
        "Direct",
        "ISIS-L2",
        "ISIS-L1",
        "IBGP",
        "OSPF",
        "EBGP",
    }
    assert len(routes) == 11 and len({route.prefix for route in routes}) == 9


def test_ipv6_table_with_both_spacings() -> None:
    routes = parse_huawei_vrp_ipv6_routes(recorded("display_ipv6_routing-table_documented"))
    assert routes == [
        Route("2001:db8:13::3/128", "RIPng"),
        Route("::1/128", "Direct"),
        Route("::ffff:7f00:0/104", "Direct"),
    ]


def test_dg_humen_tables_have_every_loopback_by_isis() -> None:
    v4 = parse_huawei_vrp_ipv4_routes(IPV4_TABLE)
    v6 = parse_huawei_vrp_ipv6_routes(IPV6_TABLE)
    assert (len(v4), len({r.prefix for r in v4})) == (73, 57)
    assert (len(v6), len({r.prefix for r in v6})) == (71, 55)
    assert Route("2001:db8:7ff::1/128", "ISIS-L2") in v6  # upper case on the device


def test_interface_tables() -> None:
    v4 = parse_huawei_vrp_ipv4_interfaces(IPV4_BRIEF)
    v6 = parse_huawei_vrp_ipv6_interfaces(IPV6_BRIEF)
    assert v4["LoopBack0"] == {"ipv4": {"10.200.0.39": {"prefix_length": 32}}}
    assert v4["GE3/1/0"] == {"ipv4": {}} and v4["GE3/1/0.307"]["ipv4"] == {
        "10.64.134.1": {"prefix_length": 24}
    }
    assert v6["LoopBack0"] == {"ipv6": {"2001:db8:7ff::27": {"prefix_length": 128}}}
    assert len(v4) == 14 and len(v6) == 5


def test_ipv6_brief_of_older_releases() -> None:
    text = (
        "*down: administratively down\n(l): loopback\n(s): spoofing\n"
        "Interface                    Physical              Protocol\n"
        "GigabitEthernet0/0/0         up                    up\n"
        "[IPv6 Address] 2001::1\n"
        "LoopBack0                    up                    up(s)\n"
        "[IPv6 Address] Unassigned\n"
    )
    assert parse_huawei_vrp_ipv6_interfaces(text) == {
        "GigabitEthernet0/0/0": {"ipv6": {"2001::1": {"prefix_length": 128}}},
        "LoopBack0": {"ipv6": {}},
    }


# --- unexpected output


def edit_counts(text: str, destinations: int, routes: int) -> str:
    """The table with its Destinations / Routes counts changed by the given amounts."""

    def counted(found: re.Match[str]) -> str:
        new_destinations = int(found["d"]) + destinations
        new_routes = int(found["r"]) + routes
        return f"Destinations : {new_destinations}       Routes : {new_routes}"

    return re.sub(r"Destinations : (?P<d>\d+)\s+Routes : (?P<r>\d+)", counted, text, count=1)


def without_line(text: str, needle: str) -> str:
    lines = text.splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on {len(hits)} lines"
    return "".join(lines[: hits[0]] + lines[hits[0] + 1 :])


def without_ipv6_route(text: str, address: str) -> str:
    """The table without the (single) block of ``address``, counts adjusted."""
    blocks = text.split("\n\n")
    kept = [block for block in blocks if f"Destination  : {address} " not in block]
    assert len(kept) == len(blocks) - 1, f"{address} is not one block"
    return edit_counts("\n\n".join(kept), -1, -1)


@pytest.mark.parametrize(
    ("parse", "text", "complaint"),
    [
        (parse_huawei_vrp_ipv4_routes, "", "no output"),
        (
            parse_huawei_vrp_ipv4_routes,
            "Error: Wrong parameter found at '^' position.",
            "Destinations",
        ),
        (parse_huawei_vrp_ipv4_routes, edit_counts(IPV4_TABLE, 0, 1), "the table says 57 and 74"),
        (parse_huawei_vrp_ipv4_routes, IPV4_TABLE + "  ---- More ----\n", "unexpected line"),
        (
            parse_huawei_vrp_ipv4_routes,
            without_line(IPV4_TABLE, "Destination/Mask"),
            "no table header",
        ),
        (
            parse_huawei_vrp_ipv4_routes,
            IPV4_TABLE.replace("10.200.0.1/32  ISIS-L2", "10.200.0.1/32   ISIS L2"),
            "unexpected line",
        ),
        (parse_huawei_vrp_ipv6_routes, edit_counts(IPV6_TABLE, 1, 0), "the table says 56 and 71"),
        (
            parse_huawei_vrp_ipv6_routes,
            IPV6_TABLE.replace("Protocol     : ISIS-L2", "Proto-col ISIS-L2", 1),
            "unexpected line",
        ),
        (
            parse_huawei_vrp_ipv6_routes,
            IPV6_TABLE.replace("Protocol     : ISIS-L2", "Protocoll    : ISIS-L2", 1),
            "has no Protocol",
        ),
        (parse_huawei_vrp_ipv6_routes, "Info: No IPv6 route.\n", "Destinations"),
        (
            parse_huawei_vrp_ipv4_interfaces,
            IPV4_BRIEF.replace("10.200.0.39/32 ", "10.200.0.390/32"),
            "is not an address",
        ),
        (parse_huawei_vrp_ipv4_interfaces, IPV4_BRIEF + "garbage here\n", "unexpected line"),
        (
            parse_huawei_vrp_ipv6_interfaces,
            IPV6_BRIEF.replace("10GE2/0/0                    up", "[IPv6 Address] ::1", 1),
            "unexpected line",
        ),
        (parse_huawei_vrp_ipv6_interfaces, "Interface Physical\n", "no table header"),
    ],
)
def test_unexpected_output_names_the_command(
    parse: Callable[[str], object], text: str, complaint: str
) -> None:
    with pytest.raises(UnexpectedOutput, match=complaint):
        parse(text)


# --- judging


def test_a_static_route_does_not_count_and_is_named() -> None:
    loopbacks = {"a": ("10.0.0.1", "2001:db8::1"), "b": ("10.0.0.2", "2001:db8::2")}
    routes = [
        Route("10.0.0.2/32", "Static"),
        Route("2001:db8::2/128", "ISIS-L2"),
        Route("10.0.0.1/32", "Direct"),
    ]
    check = judge_loopback_routes("a", routes, loopbacks)
    assert check == Check(
        name="loopback routes",
        status="failed",
        detail="no route to 10.0.0.2/32; not from IS-IS: 10.0.0.2/32 (Static)",
    )


# --- hooks through a real driver behind a Nornir host


@pytest.fixture(scope="module")
def graph(reference: Design) -> nx.MultiGraph:
    return build_graph(reference)


@pytest.fixture(scope="module")
def loopbacks(reference: Design, graph: nx.MultiGraph) -> Loopbacks:
    return design_loopbacks(reference, graph)


@pytest.fixture(scope="module")
def intent(reference: Design, graph: nx.MultiGraph) -> DeviceIntent:
    return build_intents(reference, graph, [HOST])[HOST]


@pytest.fixture
def nornir(monkeypatch: pytest.MonkeyPatch) -> Nornir:
    monkeypatch.setenv("GOVNET_USERNAME", "noc-reader")
    monkeypatch.setenv("GOVNET_PASSWORD", "from-the-environment-only")
    return build_nornir(REFERENCE, [HOST])


Answers = dict[str, str]


def run_on_device(
    nornir: Nornir, mocker: MockerFixture, answers: Answers, step: Callable[[Task], Check]
) -> tuple[Check, ReplayConnection]:
    """``step`` run by Nornir on dg-humen, whose NAPALM connection is a real
    HuaweiVRPDriver over a replayed session answering ``answers``."""
    replay = ReplayConnection(answers)
    driver = HuaweiVRPDriver("10.199.2.24", "noc-reader", "secret")
    driver.device = replay

    def connection(host: Host, name: str, configuration: object) -> HuaweiVRPDriver:
        assert (host.name, name) == (HOST, DEVICE_CONNECTION)
        return driver

    mocker.patch.object(Host, "get_connection", autospec=True, side_effect=connection)
    results = nornir.run(task=lambda task: Result(host=task.host, result=step(task)))
    outcome = results[HOST][0]
    if outcome.exception is not None:
        raise outcome.exception
    assert isinstance(outcome.result, Check)
    return outcome.result, replay


def route_check(
    nornir: Nornir,
    mocker: MockerFixture,
    intent: DeviceIntent,
    loopbacks: Loopbacks,
    v4: str = IPV4_TABLE,
    v6: str = IPV6_TABLE,
) -> tuple[Check, ReplayConnection]:
    hook = ROUTE_CLI_HOOKS[Platform.HUAWEI_VRP]
    answers = {VRP_IPV4_ROUTES_COMMAND: v4, VRP_IPV6_ROUTES_COMMAND: v6}
    return run_on_device(nornir, mocker, answers, lambda task: hook(task, intent, loopbacks))


def test_hooks_cover_huawei_vrp_only() -> None:
    assert set(ROUTE_CLI_HOOKS) == set(LOOPBACK_CLI_HOOKS) == {Platform.HUAWEI_VRP}


def test_every_loopback_routed_by_isis(
    nornir: Nornir, mocker: MockerFixture, intent: DeviceIntent, loopbacks: Loopbacks
) -> None:
    check, replay = route_check(nornir, mocker, intent, loopbacks)
    assert check == Check(name="loopback routes", status="ok", detail="96 routes")
    assert replay.sent == [VRP_IPV4_ROUTES_COMMAND, VRP_IPV6_ROUTES_COMMAND]


def test_two_missing_loopbacks_are_named(
    nornir: Nornir, mocker: MockerFixture, intent: DeviceIntent, loopbacks: Loopbacks
) -> None:
    v4 = edit_counts(without_line(IPV4_TABLE, "10.200.0.1/32 "), -1, -1)
    v6 = without_ipv6_route(IPV6_TABLE, "2001:DB8:7FF::2")
    check, _ = route_check(nornir, mocker, intent, loopbacks, v4, v6)
    assert check == Check(
        name="loopback routes",
        status="failed",
        detail="no route to 10.200.0.1/32, 2001:db8:7ff::2/128",
        subjects=("dg-agg-binhai", "dg-agg-central"),  # whose loopbacks are missing
    )


def test_a_loopback_learnt_by_a_static_route_fails(
    nornir: Nornir, mocker: MockerFixture, intent: DeviceIntent, loopbacks: Loopbacks
) -> None:
    row = "10.200.0.2/32  ISIS-L2 15   20              D   10.201.0.145"
    assert row in IPV4_TABLE
    v4 = IPV4_TABLE.replace(row, "10.200.0.2/32  Static  60   0              RD   10.201.0.145")
    check, _ = route_check(nornir, mocker, intent, loopbacks, v4=v4)
    assert check.status == "failed"
    assert check.detail == "no route to 10.200.0.2/32; not from IS-IS: 10.200.0.2/32 (Static)"


def test_unreadable_routes_raise_for_the_guard(
    nornir: Nornir, mocker: MockerFixture, intent: DeviceIntent, loopbacks: Loopbacks
) -> None:
    with pytest.raises(UnexpectedOutput, match="display ipv6 routing-table"):
        route_check(nornir, mocker, intent, loopbacks, v6="Error: Too many parameters.\n")


def test_loopbacks_configured(nornir: Nornir, mocker: MockerFixture, intent: DeviceIntent) -> None:
    hook = LOOPBACK_CLI_HOOKS[Platform.HUAWEI_VRP]
    answers = {VRP_IPV4_INTERFACES_COMMAND: IPV4_BRIEF, VRP_IPV6_INTERFACES_COMMAND: IPV6_BRIEF}
    check, replay = run_on_device(nornir, mocker, answers, lambda task: hook(task, intent))
    assert check == Check(name="loopbacks", status="ok", detail="10.200.0.39, 2001:db8:7ff::27")
    assert replay.sent == [VRP_IPV4_INTERFACES_COMMAND, VRP_IPV6_INTERFACES_COMMAND]


def test_a_missing_ipv6_loopback_fails(
    nornir: Nornir, mocker: MockerFixture, intent: DeviceIntent
) -> None:
    hook = LOOPBACK_CLI_HOOKS[Platform.HUAWEI_VRP]
    v6 = without_line(IPV6_BRIEF, "2001:DB8:7FF::27/128")
    answers = {VRP_IPV4_INTERFACES_COMMAND: IPV4_BRIEF, VRP_IPV6_INTERFACES_COMMAND: v6}
    check, _ = run_on_device(nornir, mocker, answers, lambda task: hook(task, intent))
    assert check == Check(name="loopbacks", status="failed", detail="missing 2001:db8:7ff::27")
