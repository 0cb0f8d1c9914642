"""iBGP sessions per address family through show commands: the parsers read the documented
output formats into exact sessions, only the global peers count, the hooks ask exactly the
commands for the intent's families, and down, missing or unreadable answers fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_mock import MockerFixture

from govnet.design import Design
from govnet.inventory.bgp_cli import (
    BGP_CLI_HOOKS,
    JUNOS_BGP_COMMAND,
    VRP_BGP_COMMANDS,
    XR_BGP_COMMANDS,
    parse_huawei_vrp_bgp_peers,
    parse_iosxr_bgp_summary,
    parse_junos_bgp_summary,
)
from govnet.inventory.platforms import Platform
from govnet.inventory.verification import BgpSession
from govnet.ipv6.live import UnexpectedOutput
from govnet.templates.build import build_intents
from govnet.templates.intent import DeviceIntent
from govnet.topology.graph import build_graph

DATA = Path(__file__).parent / "data" / "bgp_cli"
HOSTS = {Platform.HUAWEI_VRP: "dg-humen", Platform.IOSXR: "dg-changan", Platform.JUNOS: "dg-qingxi"}
RR = ["10.200.0.44", "10.200.0.45", "2001:db8:7ff::2c", "2001:db8:7ff::2d"]


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


VRP_V4 = read("huawei_vrp_display_bgp_vpnv4_all_peer.txt")
VRP_V6 = read("huawei_vrp_display_bgp_vpnv6_all_peer.txt")
XR_V4 = read("iosxr_show_bgp_vpnv4_unicast_summary.txt")
XR_V6 = read("iosxr_show_bgp_vpnv6_unicast_summary.txt")
JUNOS = read("junos_show_bgp_summary.txt")


@pytest.fixture(scope="module")
def intents(reference: Design) -> dict[str, DeviceIntent]:
    return build_intents(reference, build_graph(reference), list(HOSTS.values()))


def fake_task(mocker: MockerFixture, answers: dict[str, str]) -> tuple[Any, Any]:
    device = mocker.Mock(name="napalm-connection")
    device.cli.side_effect = lambda commands: {command: answers[command] for command in commands}
    task = mocker.Mock(name="task")
    task.host.get_connection.return_value = device
    return task, device


def asked(device: Any) -> list[str]:
    return [command for call in device.cli.call_args_list for command in call.args[0]]


def up(address: str, family: str, received: int) -> BgpSession:
    return BgpSession(address=address, family=family, up=True, received=received)


def down(address: str, family: str) -> BgpSession:
    return BgpSession(address=address, family=family, up=False, received=0)


# --- parsers


def test_intents_are_the_design_the_samples_were_written_for(
    intents: dict[str, DeviceIntent],
) -> None:
    for platform, host in HOSTS.items():
        intent = intents[host]
        assert intent.platform == platform
        assert intent.bgp is not None
        assert sorted((n.address, n.families, n.vrf) for n in intent.bgp.neighbors) == [
            (address, ["vpnv4", "vpnv6"], None) for address in sorted(RR)
        ]


def test_vrp_vpnv4_public_peers_only() -> None:
    assert parse_huawei_vrp_bgp_peers(VRP_V4, "vpnv4") == [
        up("10.200.0.44", "vpnv4", 14),
        up("10.200.0.45", "vpnv4", 14),
        up("2001:db8:7ff::2c", "vpnv4", 12),
        up("2001:db8:7ff::2d", "vpnv4", 12),
    ]


def test_vrp_vpnv6_with_a_peer_not_established() -> None:
    assert parse_huawei_vrp_bgp_peers(VRP_V6, "vpnv6") == [
        up("10.200.0.44", "vpnv6", 9),
        down("10.200.0.45", "vpnv6"),
        up("2001:db8:7ff::2c", "vpnv6", 7),
        up("2001:db8:7ff::2d", "vpnv6", 7),
    ]


def test_xr_vpnv4_with_wrapped_ipv6_neighbours() -> None:
    assert parse_iosxr_bgp_summary(XR_V4, "vpnv4") == [
        up("10.200.0.44", "vpnv4", 14),
        up("10.200.0.45", "vpnv4", 14),
        up("2001:db8:7ff::2c", "vpnv4", 12),
        up("2001:db8:7ff::2d", "vpnv4", 12),
    ]


def test_xr_vpnv6_with_an_admin_down_neighbour() -> None:
    assert parse_iosxr_bgp_summary(XR_V6, "vpnv6") == [
        up("10.200.0.44", "vpnv6", 9),
        down("10.200.0.45", "vpnv6"),
        up("2001:db8:7ff::2c", "vpnv6", 7),
        up("2001:db8:7ff::2d", "vpnv6", 7),
    ]


def test_junos_all_families_from_one_summary() -> None:
    assert parse_junos_bgp_summary(JUNOS) == [
        up("10.200.0.44", "vpnv4", 14),
        up("10.200.0.44", "vpnv6", 6),
        up("10.200.0.45", "vpnv4", 14),
        up("10.200.0.45", "vpnv6", 6),
        up("2001:db8:7ff::2c", "vpnv4", 12),
        up("2001:db8:7ff::2c", "vpnv6", 5),
        *(down("2001:db8:7ff::2d", f) for f in ("ipv4_unicast", "ipv6_unicast", "vpnv4", "vpnv6")),
    ]


def test_junos_unicast_tables() -> None:
    text = JUNOS.replace("  PUB-GOV.inet.0: 3/3/3/0", "  inet.0: 3/5/5/0\n  inet6.0: 1/2/2/0")
    sessions = parse_junos_bgp_summary(text)
    assert sessions[-2:] == [up("192.0.2.6", "ipv4_unicast", 5), up("192.0.2.6", "ipv6_unicast", 2)]


@pytest.mark.parametrize(
    ("text", "parse"),
    [
        (VRP_V4, lambda t: parse_huawei_vrp_bgp_peers(t, "vpnv4")),
        (XR_V4, lambda t: parse_iosxr_bgp_summary(t, "vpnv4")),
        (JUNOS, parse_junos_bgp_summary),
    ],
)
def test_a_table_without_peers_is_empty(text: str, parse: Any) -> None:
    header = next(
        line for line in text.splitlines() if line.lstrip().startswith(("Peer ", "Neighbor "))
    )
    assert parse(text.split(header)[0] + header + "\n") == []


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (lambda t: parse_huawei_vrp_bgp_peers(t, "vpnv4"), "", "returned no output"),
        (lambda t: parse_huawei_vrp_bgp_peers(t, "vpnv4"), "Error: Unrecognized command", "header"),
        (
            lambda t: parse_huawei_vrp_bgp_peers(t, "vpnv4"),
            VRP_V4.replace("Established       14", "Established   lots"),
            "unexpected line",
        ),
        (lambda t: parse_iosxr_bgp_summary(t, "vpnv6"), "% Invalid input detected", "header"),
        (
            lambda t: parse_iosxr_bgp_summary(t, "vpnv6"),
            XR_V6.rsplit("\n", 2)[0] + "\n",
            "has no row after it",
        ),
        (lambda t: parse_iosxr_bgp_summary(t, "vpnv6"), XR_V6 + "garbage here\n", "unexpected"),
        (parse_junos_bgp_summary, "error: syntax error", "header"),
        (
            parse_junos_bgp_summary,
            JUNOS.replace(" Establ\n  bgp.l3vpn.0: 0/12", " 0/12/12/0\n  bgp.l3vpn.0: 0/12"),
            "without table names",
        ),
        (parse_junos_bgp_summary, JUNOS.replace("{master}", "something else"), "unexpected"),
    ],
)
def test_unrecognised_output_raises(parse: Any, text: str, message: str) -> None:
    with pytest.raises(UnexpectedOutput, match=message):
        parse(text)


def test_unknown_family_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown address family"):
        parse_iosxr_bgp_summary(XR_V4, "l2vpn")


# --- hooks


def test_hooks_cover_exactly_the_napalm_platforms() -> None:
    assert set(BGP_CLI_HOOKS) == {Platform.HUAWEI_VRP, Platform.IOSXR, Platform.JUNOS}


ALL_UP = {
    Platform.HUAWEI_VRP: {
        VRP_BGP_COMMANDS["vpnv4"]: VRP_V4,
        VRP_BGP_COMMANDS["vpnv6"]: VRP_V6.replace(
            "10.200.0.45     4       65010        0        0     0 00:01:42      Active        0",
            "10.200.0.45     4       65010     8301     8290     0 5d03h11m Established        9",
        ),
    },
    Platform.IOSXR: {
        XR_BGP_COMMANDS["vpnv4"]: XR_V4,
        XR_BGP_COMMANDS["vpnv6"]: XR_V6.replace(
            "       0       0        0    0    0 00:00:00 Idle (Admin)",
            "    7302    7290      233    0    0    4d21h          9",
        ),
    },
    Platform.JUNOS: {
        JUNOS_BGP_COMMAND: JUNOS.replace(
            "       14         17       0       3       18:09 Active",
            "     9000       8990       0       0  6d 1:11:58 Establ\n"
            "  bgp.l3vpn.0: 0/12/12/0\n  bgp.l3vpn-inet6.0: 0/5/5/0",
        )
    },
}
SAMPLES = {
    Platform.HUAWEI_VRP: {VRP_BGP_COMMANDS["vpnv4"]: VRP_V4, VRP_BGP_COMMANDS["vpnv6"]: VRP_V6},
    Platform.IOSXR: {XR_BGP_COMMANDS["vpnv4"]: XR_V4, XR_BGP_COMMANDS["vpnv6"]: XR_V6},
    Platform.JUNOS: {JUNOS_BGP_COMMAND: JUNOS},
}
PLATFORMS = list(HOSTS)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_all_established_is_ok_and_asks_exactly_the_commands(
    platform: Platform, mocker: MockerFixture, intents: dict[str, DeviceIntent]
) -> None:
    task, device = fake_task(mocker, ALL_UP[platform])
    check = BGP_CLI_HOOKS[platform](task, intents[HOSTS[platform]])
    assert (check.name, check.status) == ("bgp", "ok"), check.detail
    assert asked(device) == list(ALL_UP[platform])
    assert "10.200.0.44 [vpnv4=14,vpnv6=" in check.detail


@pytest.mark.parametrize("platform", PLATFORMS)
def test_samples_fail_naming_the_down_session(
    platform: Platform, mocker: MockerFixture, intents: dict[str, DeviceIntent]
) -> None:
    task, _ = fake_task(mocker, SAMPLES[platform])
    check = BGP_CLI_HOOKS[platform](task, intents[HOSTS[platform]])
    assert check.status == "failed"
    expected = {
        Platform.HUAWEI_VRP: "10.200.0.45 vpnv6 down",
        Platform.IOSXR: "10.200.0.45 vpnv6 down",
        Platform.JUNOS: "2001:db8:7ff::2d vpnv4 down; 2001:db8:7ff::2d vpnv6 down",
    }
    assert check.detail == expected[platform]


def test_a_family_not_negotiated_is_missing(
    mocker: MockerFixture, intents: dict[str, DeviceIntent]
) -> None:
    text = ALL_UP[Platform.JUNOS][JUNOS_BGP_COMMAND].replace("  bgp.l3vpn-inet6.0: 0/6/6/0\n", "")
    task, _ = fake_task(mocker, {JUNOS_BGP_COMMAND: text})
    check = BGP_CLI_HOOKS[Platform.JUNOS](task, intents[HOSTS[Platform.JUNOS]])
    assert (check.status, check.detail) == ("failed", "10.200.0.45 vpnv6 missing")


def test_a_peer_absent_from_the_table_is_missing(
    mocker: MockerFixture, intents: dict[str, DeviceIntent]
) -> None:
    answers = dict(ALL_UP[Platform.IOSXR])
    vpnv4 = XR_BGP_COMMANDS["vpnv4"]
    answers[vpnv4] = answers[vpnv4].replace(
        "2001:db8:7ff::2d\n                  0 65010    7101    7092      418    0    0    4d21h         12\n",
        "",
    )
    task, _ = fake_task(mocker, answers)
    check = BGP_CLI_HOOKS[Platform.IOSXR](task, intents[HOSTS[Platform.IOSXR]])
    assert (check.status, check.detail) == ("failed", "2001:db8:7ff::2d vpnv4 missing")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_no_ibgp_in_the_intent_asks_nothing(
    platform: Platform, mocker: MockerFixture, intents: dict[str, DeviceIntent]
) -> None:
    intent = intents[HOSTS[platform]]
    assert intent.bgp is not None
    without_bgp = intent.model_copy(update={"bgp": None})
    only_vrf = intent.model_copy(
        update={
            "bgp": intent.bgp.model_copy(
                update={
                    "neighbors": [
                        n.model_copy(update={"vrf": "PUB-GOV"}) for n in intent.bgp.neighbors
                    ]
                }
            )
        }
    )
    task, device = fake_task(mocker, {})
    assert BGP_CLI_HOOKS[platform](task, without_bgp).status == "not checked"
    check = BGP_CLI_HOOKS[platform](task, only_vrf)
    assert (check.status, check.detail) == ("ok", "")
    device.cli.assert_not_called()


def test_only_the_families_in_use_are_asked(
    mocker: MockerFixture, intents: dict[str, DeviceIntent]
) -> None:
    intent = intents[HOSTS[Platform.HUAWEI_VRP]]
    assert intent.bgp is not None
    v4_only = intent.model_copy(
        update={
            "bgp": intent.bgp.model_copy(
                update={
                    "neighbors": [
                        n.model_copy(update={"families": ["vpnv4"]}) for n in intent.bgp.neighbors
                    ]
                }
            )
        }
    )
    task, device = fake_task(mocker, SAMPLES[Platform.HUAWEI_VRP])
    check = BGP_CLI_HOOKS[Platform.HUAWEI_VRP](task, v4_only)
    assert check.status == "ok", check.detail
    assert asked(device) == [VRP_BGP_COMMANDS["vpnv4"]]
