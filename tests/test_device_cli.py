"""IS-IS and SRv6 verification through show commands: the parsers read the documented output
formats into real values, the hooks send exactly one command through the NAPALM connection and
judge a reference device's intent, and wrong, missing, down or unreadable answers fail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_mock import MockerFixture

from govnet.design import Design
from govnet.inventory.device_cli import (
    ISIS_CLI_HOOKS,
    JUNOS_ISIS_COMMAND,
    JUNOS_LOCATOR_COMMAND,
    SRV6_CLI_HOOKS,
    VRP_ISIS_COMMAND,
    VRP_LOCATOR_COMMAND,
    XR_ISIS_COMMAND,
    XR_LOCATOR_COMMAND,
    parse_huawei_vrp_isis,
    parse_huawei_vrp_locators,
    parse_iosxr_isis,
    parse_iosxr_locators,
    parse_junos_isis,
    parse_junos_locators,
    same_huawei_vrp_interface,
    same_iosxr_interface,
    same_junos_interface,
)
from govnet.inventory.platforms import DEVICE_CONNECTION, Platform
from govnet.inventory.verification import Adjacency, Locator, expected_adjacencies
from govnet.ipv6.live import UnexpectedOutput
from govnet.templates.build import build_intents
from govnet.templates.intent import DeviceIntent
from govnet.topology.graph import build_graph

DATA = Path(__file__).parent / "data" / "device_cli"


@dataclass(frozen=True)
class Sample:
    """One reference host of a platform and the literal device answers written for it."""

    host: str
    platform: Platform
    isis_command: str
    isis_file: str
    parse_isis: Callable[[str], list[Adjacency]]
    same_interface: Callable[[str, str], bool]
    locator_command: str
    locator_file: str
    parse_locators: Callable[[str], list[Locator]]
    down: str  # how the platform prints an adjacency that is not up

    @property
    def isis_text(self) -> str:
        return (DATA / self.isis_file).read_text(encoding="utf-8")

    @property
    def locator_text(self) -> str:
        return (DATA / self.locator_file).read_text(encoding="utf-8")


SAMPLES = {
    Platform.HUAWEI_VRP: Sample(
        "dg-humen",
        Platform.HUAWEI_VRP,
        VRP_ISIS_COMMAND,
        "huawei_vrp_display_isis_peer.txt",
        parse_huawei_vrp_isis,
        same_huawei_vrp_interface,
        VRP_LOCATOR_COMMAND,
        "huawei_vrp_display_segment-routing_ipv6_locator_verbose.txt",
        parse_huawei_vrp_locators,
        "Init",
    ),
    Platform.IOSXR: Sample(
        "dg-changan",
        Platform.IOSXR,
        XR_ISIS_COMMAND,
        "iosxr_show_isis_neighbors.txt",
        parse_iosxr_isis,
        same_iosxr_interface,
        XR_LOCATOR_COMMAND,
        "iosxr_show_segment-routing_srv6_locator.txt",
        parse_iosxr_locators,
        "Init",
    ),
    Platform.JUNOS: Sample(
        "dg-qingxi",
        Platform.JUNOS,
        JUNOS_ISIS_COMMAND,
        "junos_show_isis_adjacency.txt",
        parse_junos_isis,
        same_junos_interface,
        JUNOS_LOCATOR_COMMAND,
        "junos_show_srv6_locator.txt",
        parse_junos_locators,
        "Initializing",
    ),
}
PLATFORMS = list(SAMPLES)


@pytest.fixture(scope="module")
def intents(reference: Design) -> dict[str, DeviceIntent]:
    names = [sample.host for sample in SAMPLES.values()]
    return build_intents(reference, build_graph(reference), names)


def fake_task(mocker: MockerFixture, answers: dict[str, str]) -> tuple[Any, Any]:
    """A Nornir task whose host's NAPALM connection answers ``cli([command])`` from
    ``answers``; (task, connection)."""
    device = mocker.Mock(name="napalm-connection")
    device.cli.side_effect = lambda commands: {command: answers[command] for command in commands}
    task = mocker.Mock(name="task")
    task.host.get_connection.return_value = device
    return task, device


def row_of(text: str, needle: str) -> str:
    """The only line of ``text`` that contains ``needle``."""
    lines = [line for line in text.splitlines() if needle in line]
    assert len(lines) == 1, f"{needle!r} is on {len(lines)} lines"
    return lines[0]


def without_row(text: str, needle: str) -> str:
    return text.replace(row_of(text, needle) + "\n", "")


def isis_check(
    mocker: MockerFixture, sample: Sample, intent: DeviceIntent, text: str
) -> tuple[str, str]:
    task, _ = fake_task(mocker, {sample.isis_command: text})
    check = ISIS_CLI_HOOKS[sample.platform](task, intent)
    assert check.name == "isis adjacencies"
    return check.status, check.detail


def srv6_check(
    mocker: MockerFixture, sample: Sample, intent: DeviceIntent, text: str
) -> tuple[str, str]:
    task, _ = fake_task(mocker, {sample.locator_command: text})
    check = SRV6_CLI_HOOKS[sample.platform](task, intent)
    assert check.name == "srv6 locator"
    return check.status, check.detail


# --- the samples and the design


def test_hooks_cover_exactly_the_napalm_platforms() -> None:
    napalm = {Platform.HUAWEI_VRP, Platform.IOSXR, Platform.JUNOS}
    assert set(ISIS_CLI_HOOKS) == napalm
    assert set(SRV6_CLI_HOOKS) == napalm


@pytest.mark.parametrize("platform", PLATFORMS)
def test_sample_hosts_are_of_their_platform(
    platform: Platform, intents: dict[str, DeviceIntent]
) -> None:
    assert intents[SAMPLES[platform].host].platform == platform


@pytest.mark.parametrize("platform", PLATFORMS)
def test_samples_report_what_the_intent_expects(
    platform: Platform, intents: dict[str, DeviceIntent]
) -> None:
    """The sample files were written from the intent: every expected link is there once, to
    the expected neighbour, and the locator is the intent's."""
    sample = SAMPLES[platform]
    intent = intents[sample.host]
    adjacencies = sample.parse_isis(sample.isis_text)
    reported = {}
    for interface in expected_adjacencies(intent):
        matching = [a for a in adjacencies if sample.same_interface(interface, a.interface)]
        assert len(matching) == 1, interface
        reported[interface] = matching[0].neighbor
    assert reported == expected_adjacencies(intent)
    assert len(adjacencies) == len(reported)
    assert intent.srv6 is not None
    (locator,) = sample.parse_locators(sample.locator_text)
    assert (locator.name, locator.prefix) == (intent.srv6.locator_name, intent.srv6.locator_prefix)


# --- parsers: real values


def test_vrp_peers() -> None:
    text = SAMPLES[Platform.HUAWEI_VRP].isis_text
    assert parse_huawei_vrp_isis(text) == [
        Adjacency(interface="10GE2/0/0", neighbor="dg-changan", up=True),
        Adjacency(interface="10GE2/0/1", neighbor="dg-shatian", up=True),
    ]


def test_vrp_wraps_long_system_ids_and_marks_some_with_a_star() -> None:
    """VRP's System Id column is 15 characters: a longer name goes on on the next line (the
    layout of ntc-templates' captures), sometimes with a trailing ``*``."""
    text = """
                          Peer information for ISIS(1)

  System Id     Interface          Circuit Id        State HoldTime Type     PRI
--------------------------------------------------------------------------------
dg-agg-songshan GE0/2/0            0000000006         Up   28s      L2       --
hu*
dg-shatian      10GE2/0/1          0000000013         Down 0s       L2       --
0102.0000.0041  Eth-Trunk2         0000000087         Init 25s      L2       --

Total Peer(s): 3
"""
    assert parse_huawei_vrp_isis(text) == [
        Adjacency(interface="GE0/2/0", neighbor="dg-agg-songshanhu", up=True),
        Adjacency(interface="10GE2/0/1", neighbor="dg-shatian", up=False),
        Adjacency(interface="Eth-Trunk2", neighbor="0102.0000.0041", up=False),
    ]


def test_vrp_peer_table_of_newer_releases() -> None:
    """``Peer Information``, ``System ID``, ``HoldTime(s)`` with bare seconds, a broadcast
    circuit ID and a level in brackets (the CE/NE captures differ in all of these)."""
    text = """
Peer Information for ISIS(1)
--------------------------------------------------------------------------------

  System ID     Interface       Circuit ID        State HoldTime(s) Type     PRI
--------------------------------------------------------------------------------
dg-changan      GE1/0/1         0000.0000.0011.01  Up            26 L2(L1L2) 100

Total Peer(s): 1
"""
    assert parse_huawei_vrp_isis(text) == [
        Adjacency(interface="GE1/0/1", neighbor="dg-changan", up=True)
    ]


def test_vrp_locator() -> None:
    text = SAMPLES[Platform.HUAWEI_VRP].locator_text
    assert parse_huawei_vrp_locators(text) == [
        Locator(name="GOVNET", prefix="5f00:0:769:1a::/64", up=True)
    ]


def test_xr_neighbors() -> None:
    text = SAMPLES[Platform.IOSXR].isis_text
    assert parse_iosxr_isis(text) == [
        Adjacency(interface="Te0/0/1/0", neighbor="dg-agg-binhai", up=True),
        Adjacency(interface="Te0/0/1/1", neighbor="dg-humen", up=True),
    ]


def test_xr_neighbors_of_two_instances_and_an_empty_table() -> None:
    text = """
Wed Aug 27 15:53:37.692 UTC

IS-IS GOVNET neighbors:
System Id      Interface        SNPA           State Holdtime Type IETF-NSF
dg-humen       Hu0/0/0/0        *PtoP*         Init  29       L2   Capable

Total neighbor count: 1

IS-IS SPARE neighbors:
System Id      Interface        SNPA           State Holdtime Type IETF-NSF
"""
    assert parse_iosxr_isis(text) == [
        Adjacency(interface="Hu0/0/0/0", neighbor="dg-humen", up=False)
    ]


def test_xr_locators_with_and_without_flags() -> None:
    assert parse_iosxr_locators(SAMPLES[Platform.IOSXR].locator_text) == [
        Locator(name="GOVNET", prefix="5f00:0:769:7::/64", up=True)
    ]
    with_flags = """
Thu Jan  5 17:27:30.127 UTC
Name                  ID       Algo  Prefix                    Status   Flags
--------------------  -------  ----  ------------------------  -------  --------
GOVNET                1        0     5f00:0:769:7::/64         Down
uGOVNET               2        128   fccc:0:214::/48           Up       U
"""
    assert parse_iosxr_locators(with_flags) == [
        Locator(name="GOVNET", prefix="5f00:0:769:7::/64", up=False),
        Locator(name="uGOVNET", prefix="fccc:0:214::/48", up=True),
    ]


def test_junos_adjacencies() -> None:
    text = SAMPLES[Platform.JUNOS].isis_text
    assert parse_junos_isis(text) == [
        Adjacency(interface="xe-0/1/0.0", neighbor="dg-fenggang", up=True),
        Adjacency(interface="xe-0/1/1.0", neighbor="dg-zhangmutou", up=True),
    ]


def test_junos_adjacencies_with_snpa_levels_and_states() -> None:
    text = """IS-IS adjacency database:
Interface             System         L State        Hold (secs) SNPA
xe-0/1/0.0            dg-fenggang    1  Up                   22  50:0:0:2:0:1
xe-0/1/0.0            dg-fenggang    2  Initializing          8  50:0:0:2:0:1
xe-0/1/1.0            0102.0000.0049 !2 Up                   25

{master:0}
"""
    assert parse_junos_isis(text) == [
        Adjacency(interface="xe-0/1/0.0", neighbor="dg-fenggang", up=True),
        Adjacency(interface="xe-0/1/0.0", neighbor="dg-fenggang", up=False),
        Adjacency(interface="xe-0/1/1.0", neighbor="0102.0000.0049", up=True),
    ]


def test_junos_locator() -> None:
    text = SAMPLES[Platform.JUNOS].locator_text
    assert parse_junos_locators(text) == [
        Locator(name="GOVNET", prefix="5f00:0:769:23::/64", up=True)
    ]


# --- interface names


@pytest.mark.parametrize(
    ("same", "wanted", "reported", "expected"),
    [
        (same_huawei_vrp_interface, "GigabitEthernet0/0/1", "GE0/0/1", True),
        (same_huawei_vrp_interface, "GigabitEthernet0/0/1", "GigabitEthernet0/0/1", True),
        (same_huawei_vrp_interface, "10GE2/0/0", "10GE2/0/0", True),
        (same_huawei_vrp_interface, "Eth-Trunk2", "Eth-Trunk2", True),
        (same_huawei_vrp_interface, "GigabitEthernet0/2/0.1000", "GE0/2/0.1000", True),
        (same_huawei_vrp_interface, "10GE2/0/0", "100GE2/0/0", False),
        (same_huawei_vrp_interface, "GigabitEthernet0/0/1", "GE0/0/10", False),
        (same_iosxr_interface, "GigabitEthernet0/0/0/1", "Gi0/0/0/1", True),
        (same_iosxr_interface, "HundredGigE0/0/0/0", "Hu0/0/0/0", True),
        (same_iosxr_interface, "TenGigE0/0/1/0", "Te0/0/1/0", True),
        (same_iosxr_interface, "Bundle-Ether1", "BE1", True),
        (same_iosxr_interface, "TwentyFiveGigE0/0/0/4", "Tf0/0/0/4", True),
        (same_iosxr_interface, "TenGigE0/0/1/0", "Te0/0/1/1", False),
        (same_iosxr_interface, "TenGigE0/0/1/0", "Hu0/0/1/0", False),
        (same_iosxr_interface, "Bundle-Ether1", "BE10", False),
        (same_junos_interface, "xe-0/0/1", "xe-0/0/1.0", True),
        (same_junos_interface, "xe-0/1/0.100", "xe-0/1/0.100", True),
        (same_junos_interface, "xe-0/0/1", "xe-0/0/1.100", False),
        (same_junos_interface, "xe-0/0/1", "xe-0/0/10.0", False),
    ],
)
def test_interface_names(
    same: Callable[[str, str], bool], wanted: str, reported: str, expected: bool
) -> None:
    assert same(wanted, reported) is expected


# --- hooks: the exact command, and the reference intents judged


@pytest.mark.parametrize("platform", PLATFORMS)
def test_hooks_send_one_command_through_napalm(
    platform: Platform, intents: dict[str, DeviceIntent], mocker: MockerFixture
) -> None:
    sample = SAMPLES[platform]
    intent = intents[sample.host]
    task, device = fake_task(mocker, {sample.isis_command: sample.isis_text})
    ISIS_CLI_HOOKS[platform](task, intent)
    task.host.get_connection.assert_called_once_with(DEVICE_CONNECTION, task.nornir.config)
    device.cli.assert_called_once_with([sample.isis_command])

    task, device = fake_task(mocker, {sample.locator_command: sample.locator_text})
    SRV6_CLI_HOOKS[platform](task, intent)
    task.host.get_connection.assert_called_once_with(DEVICE_CONNECTION, task.nornir.config)
    device.cli.assert_called_once_with([sample.locator_command])


def test_the_commands() -> None:
    assert (VRP_ISIS_COMMAND, XR_ISIS_COMMAND, JUNOS_ISIS_COMMAND) == (
        "display isis peer",
        "show isis neighbors",
        "show isis adjacency",
    )
    assert (VRP_LOCATOR_COMMAND, XR_LOCATOR_COMMAND, JUNOS_LOCATOR_COMMAND) == (
        "display segment-routing ipv6 locator verbose",
        "show segment-routing srv6 locator",
        "show srv6 locator",
    )


@pytest.mark.parametrize("platform", PLATFORMS)
def test_reference_device_is_ok(
    platform: Platform, intents: dict[str, DeviceIntent], mocker: MockerFixture
) -> None:
    sample = SAMPLES[platform]
    intent = intents[sample.host]
    assert isis_check(mocker, sample, intent, sample.isis_text) == ("ok", "2 up")
    assert intent.srv6 is not None
    assert srv6_check(mocker, sample, intent, sample.locator_text) == (
        "ok",
        f"GOVNET {intent.srv6.locator_prefix}",
    )


@pytest.mark.parametrize("platform", PLATFORMS)
def test_nothing_is_asked_without_isis_or_srv6(
    platform: Platform, intents: dict[str, DeviceIntent], mocker: MockerFixture
) -> None:
    intent = intents[SAMPLES[platform].host].model_copy(update={"isis": None, "srv6": None})
    task, device = fake_task(mocker, {})
    assert ISIS_CLI_HOOKS[platform](task, intent).status == "ok"
    assert SRV6_CLI_HOOKS[platform](task, intent).status == "ok"
    device.cli.assert_not_called()


# --- failures


def second_neighbor(sample: Sample, intent: DeviceIntent) -> tuple[str, str]:
    """The intent's second IS-IS link (interface, neighbour)."""
    return sorted(expected_adjacencies(intent).items())[1]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_missing_adjacency_fails(
    platform: Platform, intents: dict[str, DeviceIntent], mocker: MockerFixture
) -> None:
    sample = SAMPLES[platform]
    intent = intents[sample.host]
    interface, neighbor = second_neighbor(sample, intent)
    text = without_row(sample.isis_text, neighbor)
    status, detail = isis_check(mocker, sample, intent, text)
    assert status == "failed"
    assert detail == f"{interface}: no adjacency (expected {neighbor})"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_wrong_neighbor_fails(
    platform: Platform, intents: dict[str, DeviceIntent], mocker: MockerFixture
) -> None:
    sample = SAMPLES[platform]
    intent = intents[sample.host]
    interface, neighbor = second_neighbor(sample, intent)
    text = sample.isis_text.replace(neighbor, "dg-houjie")
    status, detail = isis_check(mocker, sample, intent, text)
    assert status == "failed"
    assert detail == f"{interface}: neighbour dg-houjie, not {neighbor}"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_neighbor_known_only_by_system_id_fails(
    platform: Platform, intents: dict[str, DeviceIntent], mocker: MockerFixture
) -> None:
    """A neighbour without a dynamic hostname is printed as its system ID: kept as reported,
    it is not the design's hostname."""
    sample = SAMPLES[platform]
    intent = intents[sample.host]
    interface, neighbor = second_neighbor(sample, intent)
    text = sample.isis_text.replace(neighbor.ljust(14), "0102.0000.0041")
    status, detail = isis_check(mocker, sample, intent, text)
    assert status == "failed"
    assert detail == f"{interface}: neighbour 0102.0000.0041, not {neighbor}"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_down_adjacency_fails(
    platform: Platform, intents: dict[str, DeviceIntent], mocker: MockerFixture
) -> None:
    sample = SAMPLES[platform]
    intent = intents[sample.host]
    interface, neighbor = second_neighbor(sample, intent)
    row = row_of(sample.isis_text, neighbor)
    down = row.replace(" Up ", f" {sample.down} ")
    assert down != row
    status, detail = isis_check(mocker, sample, intent, sample.isis_text.replace(row, down))
    assert status == "failed"
    assert detail == f"{interface}: adjacency to {neighbor} not up"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_locator_with_the_wrong_prefix_fails(
    platform: Platform, intents: dict[str, DeviceIntent], mocker: MockerFixture
) -> None:
    sample = SAMPLES[platform]
    intent = intents[sample.host]
    assert intent.srv6 is not None
    right = intent.srv6.locator_address.split(":")[3]  # the node's group: "1a", "7", "23"
    text = sample.locator_text
    for spelling in (right, right.upper()):
        text = text.replace(f":769:{spelling}:", ":769:99:")
    status, detail = srv6_check(mocker, sample, intent, text)
    assert status == "failed"
    assert detail == f"GOVNET is 5f00:0:769:99::/64, not {intent.srv6.locator_prefix}"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_missing_locator_fails(
    platform: Platform, intents: dict[str, DeviceIntent], mocker: MockerFixture
) -> None:
    sample = SAMPLES[platform]
    intent = intents[sample.host]
    text = sample.locator_text.replace("GOVNET", "OTHER")
    assert srv6_check(mocker, sample, intent, text) == ("failed", "GOVNET missing")


def test_xr_locator_down_fails(intents: dict[str, DeviceIntent], mocker: MockerFixture) -> None:
    sample = SAMPLES[Platform.IOSXR]
    text = sample.locator_text.replace("/64         Up", "/64         Down")
    status, detail = srv6_check(mocker, sample, intents[sample.host], text)
    assert (status, detail) == ("failed", "GOVNET is down")


# --- unreadable answers


GARBAGE = "% Invalid input detected at '^' marker.\n"


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("kind", ["isis", "locator"])
def test_garbage_is_unexpected_output(platform: Platform, kind: str) -> None:
    sample = SAMPLES[platform]
    parse: Callable[[str], object] = sample.parse_isis if kind == "isis" else sample.parse_locators
    command = sample.isis_command if kind == "isis" else sample.locator_command
    for text in (GARBAGE, "", "\n \n"):
        with pytest.raises(UnexpectedOutput, match=command):
            parse(text)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_line_that_does_not_fit_is_unexpected_output(platform: Platform) -> None:
    sample = SAMPLES[platform]
    text = sample.isis_text.rstrip("\n") + "\nthis line fits no column of the table\n"
    with pytest.raises(UnexpectedOutput, match="unexpected line"):
        sample.parse_isis(text)


def test_locator_blocks_must_be_complete() -> None:
    vrp = SAMPLES[Platform.HUAWEI_VRP].locator_text
    with pytest.raises(UnexpectedOutput, match="total says 2"):
        parse_huawei_vrp_locators(vrp.replace("Total Locator(s): 1", "Total Locator(s): 2"))
    without_prefix = "\n".join(line for line in vrp.splitlines() if "IPv6Prefix" not in line)
    with pytest.raises(UnexpectedOutput, match="GOVNET has no prefix"):
        parse_huawei_vrp_locators(without_prefix)
    junos = SAMPLES[Platform.JUNOS].locator_text
    with pytest.raises(UnexpectedOutput, match="no prefix line"):
        parse_junos_locators(without_row(junos, "Locator prefix"))
    with pytest.raises(UnexpectedOutput, match="is not a prefix"):
        parse_junos_locators(junos.replace("5f00:0:769:23::", "5f00:0:769:23:::"))


def test_hook_raises_when_the_driver_answers_nothing_for_the_command(
    intents: dict[str, DeviceIntent], mocker: MockerFixture
) -> None:
    sample = SAMPLES[Platform.IOSXR]
    task, device = fake_task(mocker, {})
    device.cli.side_effect = None
    device.cli.return_value = {}
    with pytest.raises(UnexpectedOutput, match="no text"):
        ISIS_CLI_HOOKS[Platform.IOSXR](task, intents[sample.host])


def test_hook_raises_on_unreadable_output(
    intents: dict[str, DeviceIntent], mocker: MockerFixture
) -> None:
    sample = SAMPLES[Platform.JUNOS]
    task, _ = fake_task(mocker, {sample.isis_command: GARBAGE})
    with pytest.raises(UnexpectedOutput, match="show isis adjacency"):
        ISIS_CLI_HOOKS[Platform.JUNOS](task, intents[sample.host])
