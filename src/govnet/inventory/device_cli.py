"""IS-IS adjacency and SRv6 locator checks for the NAPALM platforms, read from show commands.

NAPALM has no IS-IS or SRv6 getter, so each hook sends one show command through the driver's
``cli([...])`` method, parses the text into the records of :mod:`govnet.inventory.verification`
(:class:`Adjacency`, :class:`Locator`) and lets the shared checks judge them. Output that does
not have the documented shape (its header is missing, a line does not fit) raises
:class:`UnexpectedOutput` naming the command: a parser never guesses.

The output formats, and where they come from:

* huawei_vrp ``display isis peer``: the NetEngine configuration guides and ntc-templates'
  captures. Columns System Id, Interface, Circuit Id, State, HoldTime (``HoldTime(s)`` on
  some releases), Type, PRI; a title ``Peer information for ISIS(1)`` per process and a
  ``Total Peer(s): N`` footer. A System Id longer than its 15-character column is wrapped onto
  the next line (``RR-BD3515597G9-`` then ``01H``), and the captures show a ``*`` after some
  system IDs; its meaning is not documented in what was found, so it is dropped.
* huawei_vrp ``display segment-routing ipv6 locator verbose``: the NetEngine 8000 command
  reference gives the format as ``display segment-routing ipv6 locator [ locator-name ]
  verbose`` (``verbose`` is not optional there). A ``Locator Configuration Table`` of
  ``Key : value`` pairs, two per line; the table has no operational state, so a listed locator
  counts as up (configured is all VRP reports here).
* iosxr ``show isis neighbors``: Cisco's captures (xrdocs, pyATS/genie test outputs). A
  timestamp line, ``IS-IS <instance> neighbors:``, columns System Id, Interface, SNPA, State,
  Holdtime, Type, IETF-NSF, then ``Total neighbor count: N``. Interfaces are abbreviated.
* iosxr ``show segment-routing srv6 locator``: columns Name, ID, Algo, Prefix, Status and (on
  newer releases) Flags; Status ``Up`` or ``Down``.
* junos ``show isis adjacency``: the Junos command reference. Columns Interface, System, L,
  State, Hold (secs), SNPA (empty on point-to-point links); the level may carry a ``!`` (the
  adjacency lacks an IP address). The interface is the logical unit (``xe-0/1/0.0``).
* junos ``show srv6 locator`` (Junos 22.3 and later): not in the Junos CLI reference pages found;
  its format is from Juniper's own techpost "SRv6 SID Encoding and Transposition" (Junos 22.3,
  MX). One block per locator, ``Locator: NAME`` then ``Locator prefix: P, Locator length: L``
  and further indented ``Key: value`` lines; no operational state, so a listed locator counts
  as up.

Neighbours are reported by dynamic hostname (TLV 137). A neighbour that does not advertise one
is printed as its system ID (``0000.0000.0002``); that is kept as reported, so it does not match
the design's hostname and the check fails, which is the right verdict for an unnamed neighbour.
VRP advertises its hostname only when ``is-name`` is configured in the IS-IS view.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from nornir.core.task import Task

from govnet.inventory.platforms import DEVICE_CONNECTION, Platform
from govnet.inventory.verification import (
    Adjacency,
    Check,
    Locator,
    check_isis_adjacencies,
    check_srv6_locator,
)
from govnet.ipv6.live import UnexpectedOutput
from govnet.templates.intent import DeviceIntent

# Defined here rather than imported from push.py, which imports this module.
Hook = Callable[[Task, DeviceIntent], Check]

VRP_ISIS_COMMAND = "display isis peer"
VRP_LOCATOR_COMMAND = "display segment-routing ipv6 locator verbose"
XR_ISIS_COMMAND = "show isis neighbors"
XR_LOCATOR_COMMAND = "show segment-routing srv6 locator"
JUNOS_ISIS_COMMAND = "show isis adjacency"
JUNOS_LOCATOR_COMMAND = "show srv6 locator"


def output_lines(text: str, command: str) -> list[str]:
    """The output's lines, without trailing blanks; an empty answer is unexpected output."""
    lines = [line.rstrip() for line in text.splitlines()]
    if not any(lines):
        raise UnexpectedOutput(f"{command!r} returned no output")
    return lines


def after_header(lines: list[str], header: re.Pattern[str], command: str) -> Iterator[str]:
    """The lines after the first table header (what comes before it, a timestamp or a title,
    is not read); raises :class:`UnexpectedOutput` when there is no header."""
    for index, line in enumerate(lines):
        if header.match(line):
            return iter(lines[index + 1 :])
    raise UnexpectedOutput(f"{command!r}: no table header in the output")


def unexpected_line(command: str, line: str) -> UnexpectedOutput:
    return UnexpectedOutput(f"{command!r}: unexpected line {line.strip()!r}")


def _is_up(state: str) -> bool:
    return state.lower() == "up"


# --- interface names


_NAME = re.compile(r"(?P<kind>\d*[A-Za-z][A-Za-z-]*?)(?P<number>\d[\d/:.]*)")

# How each platform abbreviates interface types in its IS-IS tables (full name -> abbreviations).
# Seen in captures: VRP GE; XR Gi, Te, Hu, BE. Assumed from XR's usual short names, not seen in
# an IS-IS table: TF, Fo, Fi, FH; VRP XGE.
VRP_ABBREVIATIONS: Mapping[str, frozenset[str]] = {
    "GigabitEthernet": frozenset({"GE"}),
    "XGigabitEthernet": frozenset({"XGE"}),
}
XR_ABBREVIATIONS: Mapping[str, frozenset[str]] = {
    "GigabitEthernet": frozenset({"Gi"}),
    "TenGigE": frozenset({"Te"}),
    "TwentyFiveGigE": frozenset({"TF"}),
    "FortyGigE": frozenset({"Fo"}),
    "FiftyGigE": frozenset({"Fi"}),
    "HundredGigE": frozenset({"Hu"}),
    "FourHundredGigE": frozenset({"FH"}),
    "Bundle-Ether": frozenset({"BE"}),
}


def _same_abbreviated(
    abbreviations: Mapping[str, frozenset[str]], wanted: str, reported: str
) -> bool:
    """``reported`` is ``wanted`` or an abbreviation of its type with the same numbers
    (``Te0/0/1/0`` for ``TenGigE0/0/1/0``); types compare case-insensitively (``TF``/``Tf``)."""
    if wanted == reported:
        return True
    want, got = _NAME.fullmatch(wanted), _NAME.fullmatch(reported)
    if want is None or got is None or want["number"] != got["number"]:
        return False
    spellings = {want["kind"], *abbreviations.get(want["kind"], frozenset())}
    return got["kind"].lower() in {spelling.lower() for spelling in spellings}


def same_huawei_vrp_interface(wanted: str, reported: str) -> bool:
    """VRP prints ``GE0/1/0`` for ``GigabitEthernet0/1/0``; ``10GE``/``100GE``/``Eth-Trunk``
    names are printed as configured."""
    return _same_abbreviated(VRP_ABBREVIATIONS, wanted, reported)


def same_iosxr_interface(wanted: str, reported: str) -> bool:
    """XR prints ``Gi``/``Te``/``Hu``/``BE``… for ``GigabitEthernet``/``TenGigE``/
    ``HundredGigE``/``Bundle-Ether``…"""
    return _same_abbreviated(XR_ABBREVIATIONS, wanted, reported)


def same_junos_interface(wanted: str, reported: str) -> bool:
    """Junos reports the logical interface: ``xe-0/1/0.0`` for an intent's ``xe-0/1/0``
    (the configs put every non-VLAN interface in unit 0); a unit in the intent's name is
    compared as is."""
    return reported == wanted or ("." not in wanted and reported == f"{wanted}.0")


# --- huawei_vrp


_VRP_PEER_HEADER = re.compile(
    r"\s*System\s+Id\s+Interface\s+Circuit\s+Id\s+State\s+HoldTime(\(s\))?\s+Type\s+PRI\s*$",
    re.IGNORECASE,
)
_VRP_PEER_ROW = re.compile(
    r"(?P<system>\S+)\s+(?P<interface>\S+)\s+(?P<circuit>\S+)\s+(?P<state>[A-Za-z]+)"
    r"\s+(?P<hold>\d+s?)\s+(?P<type>L[12]\S*)\s+(?P<pri>\S+)\s*$"
)
_VRP_PEER_OTHER = re.compile(
    r"\s*$|-+\s*$|\s*Total\s+Peer\(s\):\s*\d+\s*$|\s*Peer\s+information\s+for\s+\S+\s*$"
    r"|" + _VRP_PEER_HEADER.pattern,
    re.IGNORECASE,
)
_WRAPPED = re.compile(r"\S+")


def parse_huawei_vrp_isis(text: str) -> list[Adjacency]:
    """``display isis peer``: one adjacency per row (a neighbour with L1 and L2 adjacencies
    has two rows); a name wrapped onto the next line is joined back together."""
    command = VRP_ISIS_COMMAND
    rows: list[dict[str, str]] = []
    previous_was_row = False
    for line in after_header(output_lines(text, command), _VRP_PEER_HEADER, command):
        row = _VRP_PEER_ROW.match(line)
        if row:
            rows.append(row.groupdict())
            previous_was_row = True
        elif previous_was_row and _WRAPPED.fullmatch(line):
            rows[-1]["system"] += line  # the rest of a System Id longer than its column
        elif _VRP_PEER_OTHER.match(line):
            previous_was_row = False
        else:
            raise unexpected_line(command, line)
    return [
        Adjacency(
            interface=row["interface"],
            neighbor=row["system"].rstrip("*"),
            up=_is_up(row["state"]),
        )
        for row in rows
    ]


_VRP_LOCATOR_TITLE = re.compile(r"\s*Locator\s+Configuration\s+Table\s*$")
_VRP_LOCATOR_NAME = re.compile(r"\s*LocatorName\s*:\s*(?P<name>\S+)")
_VRP_LOCATOR_PREFIX = re.compile(r"\bIPv6Prefix\s*:\s*(?P<prefix>\S+)")
_VRP_LOCATOR_LENGTH = re.compile(r"\bPrefixLength\s*:\s*(?P<length>\d+)")
_VRP_LOCATOR_TOTAL = re.compile(r"\s*Total\s+Locator\(s\):\s*(?P<total>\d+)\s*$")
_KEY_VALUES = re.compile(r"\s*[A-Za-z][\w:]*\s*:\s*\S*(\s+[A-Za-z][\w:]*\s*:\s*\S*)*\s*$")


def _network(command: str, text: str) -> str:
    """``text`` as a prefix in one spelling; anything else is unexpected output."""
    try:
        return ipaddress.ip_network(text, strict=False).compressed
    except ValueError:
        raise UnexpectedOutput(f"{command!r}: {text!r} is not a prefix") from None


def parse_huawei_vrp_locators(text: str) -> list[Locator]:
    """``display segment-routing ipv6 locator verbose``: each ``LocatorName`` starts a locator,
    whose prefix is ``IPv6Prefix``/``PrefixLength``. VRP reports no state here: every listed
    locator is up."""
    command = VRP_LOCATOR_COMMAND
    found: list[dict[str, str]] = []
    total: int | None = None
    for line in after_header(output_lines(text, command), _VRP_LOCATOR_TITLE, command):
        name = _VRP_LOCATOR_NAME.match(line)
        if name:
            found.append({"name": name["name"]})
        counted = _VRP_LOCATOR_TOTAL.match(line)
        if counted:
            total = int(counted["total"])
            continue
        if not (line.strip() == "" or set(line.strip()) == {"-"} or _KEY_VALUES.match(line)):
            raise unexpected_line(command, line)
        for pattern, key in ((_VRP_LOCATOR_PREFIX, "prefix"), (_VRP_LOCATOR_LENGTH, "length")):
            value = pattern.search(line)
            if value:
                if not found:
                    raise unexpected_line(command, line)
                found[-1][key] = value[key]
    if total is not None and total != len(found):
        raise UnexpectedOutput(f"{command!r}: {len(found)} locators listed, total says {total}")
    locators = []
    for entry in found:
        if "prefix" not in entry or "length" not in entry:
            raise UnexpectedOutput(f"{command!r}: locator {entry['name']} has no prefix")
        prefix = _network(command, f"{entry['prefix']}/{entry['length']}")
        locators.append(Locator(name=entry["name"], prefix=prefix, up=True))
    return locators


# --- iosxr


_XR_NEIGHBOR_HEADER = re.compile(
    r"\s*System\s+Id\s+Interface\s+SNPA\s+State\s+Holdtime\s+Type(\s+IETF-NSF)?\s*$"
)
_XR_NEIGHBOR_ROW = re.compile(
    r"(?P<system>\S+)\s+(?P<interface>\S+)\s+(?P<snpa>\S+)\s+(?P<state>[A-Za-z]+)"
    r"\s+(?P<hold>\d+)\s+(?P<type>L1L2|L1|L2)(\s+(?P<nsf>\S+))?\s*$"
)
_XR_NEIGHBOR_OTHER = re.compile(
    r"\s*$|\s*Total\s+neighbor\s+count:\s*\d+\s*$|\s*IS-IS\s+\S+\s+neighbors:\s*$"
    r"|" + _XR_NEIGHBOR_HEADER.pattern
)


def parse_iosxr_isis(text: str) -> list[Adjacency]:
    """``show isis neighbors``: one adjacency per row, every instance's table."""
    command = XR_ISIS_COMMAND
    adjacencies = []
    for line in after_header(output_lines(text, command), _XR_NEIGHBOR_HEADER, command):
        row = _XR_NEIGHBOR_ROW.match(line)
        if row:
            adjacencies.append(
                Adjacency(
                    interface=row["interface"], neighbor=row["system"], up=_is_up(row["state"])
                )
            )
        elif not _XR_NEIGHBOR_OTHER.match(line):
            raise unexpected_line(command, line)
    return adjacencies


_XR_LOCATOR_HEADER = re.compile(r"\s*Name\s+ID\s+(Algo\s+)?Prefix\s+Status(\s+Flags)?\s*$")
_XR_LOCATOR_ROW = re.compile(
    r"(?P<name>\S+)\s+(?P<id>\d+)\s+((?P<algo>\d+)\s+)?(?P<prefix>[0-9A-Fa-f:.]+/\d+)"
    r"\s+(?P<status>[A-Za-z]+)(\s+(?P<flags>\S+))?\s*$"
)


def parse_iosxr_locators(text: str) -> list[Locator]:
    """``show segment-routing srv6 locator``: one locator per row, up when Status is Up."""
    command = XR_LOCATOR_COMMAND
    locators = []
    for line in after_header(output_lines(text, command), _XR_LOCATOR_HEADER, command):
        row = _XR_LOCATOR_ROW.match(line)
        if row:
            prefix = _network(command, row["prefix"])
            locators.append(Locator(name=row["name"], prefix=prefix, up=_is_up(row["status"])))
        elif line.strip() and set(line.replace(" ", "")) != {"-"}:
            raise unexpected_line(command, line)
    return locators


# --- junos


_JUNOS_ADJACENCY_HEADER = re.compile(
    r"\s*Interface\s+System\s+L\s+State\s+Hold\s+\(secs\)\s+SNPA\s*$"
)
_JUNOS_ADJACENCY_ROW = re.compile(
    r"\s*(?P<interface>\S+)\s+(?P<system>\S+)\s+(?P<level>!?[123])\s+(?P<state>[A-Za-z-]+)"
    r"\s+(?P<hold>\d+)(\s+(?P<snpa>\S+))?\s*$"
)
_JUNOS_PROMPT_INFO = re.compile(r"\s*$|\s*\{(master|backup|primary)(:\d+)?\}\s*$")


def parse_junos_isis(text: str) -> list[Adjacency]:
    """``show isis adjacency``: one adjacency per row (the interface is the logical unit)."""
    command = JUNOS_ISIS_COMMAND
    adjacencies = []
    for line in after_header(output_lines(text, command), _JUNOS_ADJACENCY_HEADER, command):
        row = _JUNOS_ADJACENCY_ROW.match(line)
        if row:
            adjacencies.append(
                Adjacency(
                    interface=row["interface"], neighbor=row["system"], up=_is_up(row["state"])
                )
            )
        elif not _JUNOS_PROMPT_INFO.match(line):
            raise unexpected_line(command, line)
    return adjacencies


_JUNOS_LOCATOR = re.compile(r"Locator:\s*(?P<name>\S+)\s*$")
_JUNOS_LOCATOR_PREFIX = re.compile(
    r"\s+Locator\s+prefix:\s*(?P<prefix>[0-9A-Fa-f:.]+),\s*Locator\s+length:\s*(?P<length>\d+)\s*$"
)
_JUNOS_LOCATOR_DETAIL = re.compile(r"\s+\S.*:.*$")


def parse_junos_locators(text: str) -> list[Locator]:
    """``show srv6 locator``: a ``Locator: NAME`` line per locator, then indented details of
    which the prefix line is read. Junos reports no state here: every listed locator is up."""
    command = JUNOS_LOCATOR_COMMAND
    found: list[dict[str, str]] = []
    for line in output_lines(text, command):
        start = _JUNOS_LOCATOR.match(line)
        prefix = _JUNOS_LOCATOR_PREFIX.match(line)
        if start:
            found.append({"name": start["name"]})
        elif prefix and found:
            found[-1]["prefix"] = _network(command, f"{prefix['prefix']}/{prefix['length']}")
        elif not (_JUNOS_PROMPT_INFO.match(line) or (found and _JUNOS_LOCATOR_DETAIL.match(line))):
            raise unexpected_line(command, line)
    if not found:
        raise UnexpectedOutput(f"{command!r}: no locator block in the output")
    missing = [entry["name"] for entry in found if "prefix" not in entry]
    if missing:
        raise UnexpectedOutput(f"{command!r}: locator {', '.join(missing)} has no prefix line")
    return [Locator(name=entry["name"], prefix=entry["prefix"], up=True) for entry in found]


# --- hooks


def run_command(task: Task, command: str) -> str:
    """The text one show command answers through the host's NAPALM connection."""
    device: Any = task.host.get_connection(DEVICE_CONNECTION, task.nornir.config)
    answer = device.cli([command])
    text = answer.get(command) if isinstance(answer, dict) else None
    if not isinstance(text, str):
        raise UnexpectedOutput(f"{command!r}: the driver returned no text for it")
    return text


def _judge_isis(
    task: Task,
    intent: DeviceIntent,
    command: str,
    parse: Callable[[str], list[Adjacency]],
    same_interface: Callable[[str, str], bool],
) -> Check:
    if intent.isis is None:  # nothing to compare: the device is not asked
        return check_isis_adjacencies(intent, [])
    adjacencies = parse(run_command(task, command))
    return check_isis_adjacencies(intent, adjacencies, same_interface=same_interface)


def _judge_srv6(
    task: Task, intent: DeviceIntent, command: str, parse: Callable[[str], list[Locator]]
) -> Check:
    if intent.srv6 is None:  # nothing to compare: the device is not asked
        return check_srv6_locator(intent, [])
    return check_srv6_locator(intent, parse(run_command(task, command)))


def isis_huawei_vrp(task: Task, intent: DeviceIntent) -> Check:
    return _judge_isis(
        task, intent, VRP_ISIS_COMMAND, parse_huawei_vrp_isis, same_huawei_vrp_interface
    )


def isis_iosxr(task: Task, intent: DeviceIntent) -> Check:
    return _judge_isis(task, intent, XR_ISIS_COMMAND, parse_iosxr_isis, same_iosxr_interface)


def isis_junos(task: Task, intent: DeviceIntent) -> Check:
    return _judge_isis(task, intent, JUNOS_ISIS_COMMAND, parse_junos_isis, same_junos_interface)


def srv6_huawei_vrp(task: Task, intent: DeviceIntent) -> Check:
    return _judge_srv6(task, intent, VRP_LOCATOR_COMMAND, parse_huawei_vrp_locators)


def srv6_iosxr(task: Task, intent: DeviceIntent) -> Check:
    return _judge_srv6(task, intent, XR_LOCATOR_COMMAND, parse_iosxr_locators)


def srv6_junos(task: Task, intent: DeviceIntent) -> Check:
    return _judge_srv6(task, intent, JUNOS_LOCATOR_COMMAND, parse_junos_locators)


ISIS_CLI_HOOKS: dict[Platform, Hook] = {
    Platform.HUAWEI_VRP: isis_huawei_vrp,
    Platform.IOSXR: isis_iosxr,
    Platform.JUNOS: isis_junos,
}
SRV6_CLI_HOOKS: dict[Platform, Hook] = {
    Platform.HUAWEI_VRP: srv6_huawei_vrp,
    Platform.IOSXR: srv6_iosxr,
    Platform.JUNOS: srv6_junos,
}
