"""iBGP session checks per address family for the NAPALM platforms, read from show commands.

NAPALM's ``get_bgp_neighbors`` reports one IPv4 and one IPv6 counter per neighbour and cannot
tell VPNv4 from VPNv6, so each hook sends the platform's per-family summary commands through the
driver's ``cli([...])`` method (:func:`govnet.inventory.device_cli.run_command`), parses the text
into :class:`~govnet.inventory.verification.BgpSession` records and lets
:func:`~govnet.inventory.verification.check_bgp_sessions` judge them. Only the global (public)
peers are read: VRF / vpn-instance peers are skipped. Output that does not have the documented
shape raises :class:`UnexpectedOutput` naming the command: a parser never guesses. A valid table
with no peer in it is not an error (the check then reports every expected session missing).

The output formats, and where they come from:

* huawei_vrp ``display bgp vpnv4 all peer`` / ``display bgp vpnv6 all peer`` (and ``display bgp
  peer`` / ``display bgp ipv6 peer`` for the unicast families): the NetEngine 8000 command
  reference (the ``display bgp ... peer`` pages). A ``BGP local router ID``/``Local AS number``/
  ``Total number of peers`` block, then a table with columns Peer, V, AS, MsgRcvd, MsgSent,
  OutQ, Up/Down, State, PrefRcv; the ``all`` forms then add ``Peer of IPv4-family for vpn
  instance :`` (``IPv6-family`` for VPNv6) and a ``VPN-Instance NAME, Router ID X:`` title per
  VPN instance with its own table. Reading stops at the first of those titles. State is
  ``Established`` (PrefRcv is then the prefixes received) or another FSM state (``Idle``,
  ``Active``, ``Connect``, ``OpenSent``, ``OpenConfirm``); peers are IPv4 or IPv6 addresses
  (upper-case hex in the examples). Assumed, not seen: an IPv6 address too long for its column
  wraps the rest of the row onto the next line as on IOS-XR; both layouts are read.
* iosxr ``show bgp vpnv4 unicast summary`` / ``show bgp vpnv6 unicast summary`` (and ``show
  bgp ipv4|ipv6 unicast summary``): Cisco's captures (ntc-templates' test outputs). A
  timestamp, ``BGP router identifier ...`` and scan/NSR lines, a ``Process RcvTblVer ...``
  table with a ``Speaker`` row, then columns Neighbor, Spk, AS, MsgRcvd, MsgSent, TblVer, InQ,
  OutQ, Up/Down, St/PfxRcd. A number in St/PfxRcd means Established with that many prefixes;
  otherwise it is the state, possibly with a reason in parentheses (``Idle (Admin)``). An IPv6
  neighbour longer than its column sits alone on its line, the rest of the row on the next.
* junos ``show bgp summary``: the Junos command reference and ntc-templates' captures. A header
  (``Threading mode``, ``Groups: N Peers: N Down peers: N``, a ``Table Tot Paths ...`` block),
  then ``Peer AS InPkt OutPkt OutQ Flaps Last Up/Dwn State|#Active/Received/Accepted/Damped...``
  and one row per peer whose last column is ``Establ`` or the state name; an established peer
  is followed by indented ``RIB: active/received/accepted/damped`` lines. ``inet.0`` is IPv4
  unicast, ``inet6.0`` IPv6 unicast, ``bgp.l3vpn.0`` VPNv4, ``bgp.l3vpn-inet6.0`` VPNv6; a
  routing instance's tables (``CUST.inet.0``) and other tables (``inet.3``, ``bgp.evpn.0``)
  are not read. Junos can also print the counts in the State column itself (one group per
  table, without the table's name); which table each belongs to is not in the row, so that
  layout raises :class:`UnexpectedOutput` rather than guess.

Junos, where one command covers every family: a peer that is not established is reported
``up=False`` in all four families (the check then says ``down`` for the families the intent
gives it, rather than ``missing``); an established peer is reported in exactly the families it
has a RIB line for, so a session up without VPNv6 negotiated is ``missing`` VPNv6.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator

from nornir.core.task import Task

from govnet.inventory.device_cli import (
    Hook,
    after_header,
    output_lines,
    run_command,
    unexpected_line,
)
from govnet.inventory.platforms import Platform
from govnet.inventory.verification import BgpSession, Check, check_bgp_sessions
from govnet.ipv6.live import UnexpectedOutput
from govnet.templates.intent import DeviceIntent

FAMILIES = ("ipv4_unicast", "ipv6_unicast", "vpnv4", "vpnv6")

VRP_BGP_COMMANDS = {
    "ipv4_unicast": "display bgp peer",
    "ipv6_unicast": "display bgp ipv6 peer",
    "vpnv4": "display bgp vpnv4 all peer",
    "vpnv6": "display bgp vpnv6 all peer",
}
XR_BGP_COMMANDS = {
    "ipv4_unicast": "show bgp ipv4 unicast summary",
    "ipv6_unicast": "show bgp ipv6 unicast summary",
    "vpnv4": "show bgp vpnv4 unicast summary",
    "vpnv6": "show bgp vpnv6 unicast summary",
}
JUNOS_BGP_COMMAND = "show bgp summary"

# Junos RIB names of the global tables, to the family they carry.
JUNOS_RIBS = {
    "inet.0": "ipv4_unicast",
    "inet6.0": "ipv6_unicast",
    "bgp.l3vpn.0": "vpnv4",
    "bgp.l3vpn-inet6.0": "vpnv6",
}

_ESTABLISHED = "established"


def _address(command: str, text: str) -> str:
    """``text`` as an IP address in one spelling (lower-case, compressed)."""
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        raise UnexpectedOutput(f"{command!r}: {text!r} is not a peer address") from None


def _check_family(family: str) -> None:
    if family not in FAMILIES:
        raise ValueError(f"unknown address family {family!r}; expected one of {FAMILIES}")


_ADDRESS = r"[0-9A-Fa-f.:]*[.:][0-9A-Fa-f.:]*"
_ALONE = re.compile(rf"\s*(?P<peer>{_ADDRESS})\s*$")


def _rows(lines: Iterable[str], row: re.Pattern[str], command: str) -> Iterator[re.Match[str]]:
    """Rows matching ``row`` (whose ``peer`` group starts the line); an address alone on a line
    is joined with the next line. Blank lines pass; anything else is unexpected."""
    pending: str | None = None
    for line in lines:
        if pending is not None:
            joined = row.match(f"{pending} {line.strip()}")
            if not joined:
                raise unexpected_line(command, f"{pending} {line.strip()}")
            pending = None
            yield joined
            continue
        matched = row.match(line)
        alone = _ALONE.match(line)
        if matched:
            yield matched
        elif alone:
            pending = alone["peer"]
        elif line.strip():
            raise unexpected_line(command, line)
    if pending is not None:
        raise UnexpectedOutput(f"{command!r}: peer {pending} has no row after it")


# --- huawei_vrp


_VRP_HEADER = re.compile(
    r"\s*Peer\s+V\s+AS\s+MsgRcvd\s+MsgSent\s+OutQ\s+Up/Down\s+State\s+PrefRcv\s*$"
)
_VRP_ROW = re.compile(
    rf"\s*(?P<peer>{_ADDRESS})\s+(?P<version>\d)\s+(?P<asn>[\d.]+)\s+\d+\s+\d+\s+\d+"
    r"\s+(?P<updown>\S+)\s+(?P<state>[A-Za-z]+(\s*\([\w-]+\))?)\s+(?P<received>\d+)\s*$"
)
_VRP_VPN_SECTION = re.compile(
    r"\s*(Peer\s+of\s+IPv[46]-family\s+for\s+vpn\s+instance\s*:?|VPN-Instance\s+\S+.*:)\s*$",
    re.IGNORECASE,
)


def parse_huawei_vrp_bgp_peers(text: str, family: str) -> list[BgpSession]:
    """``display bgp vpnv4 all peer`` (``vpnv6``, or the unicast ``display bgp [ipv6] peer``):
    the public peers, up when State is Established, received = PrefRcv. The per-vpn-instance
    sections after the public table are not read."""
    _check_family(family)
    command = VRP_BGP_COMMANDS[family]
    lines = list(after_header(output_lines(text, command), _VRP_HEADER, command))
    for index, line in enumerate(lines):
        if _VRP_VPN_SECTION.match(line):
            lines = lines[:index]
            break
    sessions = []
    for row in _rows(lines, _VRP_ROW, command):
        up = row["state"].lower() == _ESTABLISHED
        sessions.append(
            BgpSession(
                address=_address(command, row["peer"]),
                family=family,
                up=up,
                received=int(row["received"]) if up else 0,
            )
        )
    return sessions


# --- iosxr


_XR_HEADER = re.compile(
    r"\s*Neighbor\s+Spk\s+AS\s+MsgRcvd\s+MsgSent\s+TblVer\s+InQ\s+OutQ\s+Up/Down\s+St/PfxRcd\s*$"
)
_XR_ROW = re.compile(
    rf"\s*(?P<peer>{_ADDRESS})\s+\d+\s+(?P<asn>[\d.]+)\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+"
    r"\s+(?P<updown>\S+)\s+(?P<state>\d+|[A-Za-z]+(\s*\([\w-]+\))?)\s*$"
)


def parse_iosxr_bgp_summary(text: str, family: str) -> list[BgpSession]:
    """``show bgp vpnv4 unicast summary`` (``vpnv6``, or ``ipv4``/``ipv6 unicast``): one
    session per neighbour; a number in St/PfxRcd is Established with that many prefixes, a
    word is the state it is stuck in."""
    _check_family(family)
    command = XR_BGP_COMMANDS[family]
    sessions = []
    for row in _rows(
        after_header(output_lines(text, command), _XR_HEADER, command), _XR_ROW, command
    ):
        up = row["state"].isdigit()
        sessions.append(
            BgpSession(
                address=_address(command, row["peer"]),
                family=family,
                up=up,
                received=int(row["state"]) if up else 0,
            )
        )
    return sessions


# --- junos


_JUNOS_HEADER = re.compile(
    r"\s*Peer\s+AS\s+InPkt\s+OutPkt\s+OutQ\s+Flaps\s+Last\s+Up/Dwn\s+State\|#Active/Received"
    r"/Accepted/Damped\.*\s*$"
)
_JUNOS_ROW = re.compile(
    rf"(?P<peer>{_ADDRESS})\s+(?P<asn>[\d.]+)\s+\d+\s+\d+\s+\d+\s+\d+\s+(?P<last>\S.*?)"
    r"\s+(?P<state>[A-Za-z]+|\d+/\d+/\d+/\d+(\s+\d+/\d+/\d+/\d+)*)\s*$"
)
_JUNOS_RIB = re.compile(r"\s+(?P<rib>\S+):\s*(\d+)/(?P<received>\d+)/(\d+)/(\d+)\s*$")
_JUNOS_OTHER = re.compile(r"\s*$|\s*\{(master|backup|primary)(:\d+)?\}\s*$")


def parse_junos_bgp_summary(text: str) -> list[BgpSession]:
    """``show bgp summary``: an ``Establ`` peer is up in each family it has a global RIB line
    for (received = the second count); a peer in another state is down in all four families."""
    command = JUNOS_BGP_COMMAND
    sessions: list[BgpSession] = []
    peer: str | None = None  # the established peer whose RIB lines follow
    for line in after_header(output_lines(text, command), _JUNOS_HEADER, command):
        row = _JUNOS_ROW.match(line)
        rib = _JUNOS_RIB.match(line)
        if row:
            address = _address(command, row["peer"])
            state = row["state"]
            if "/" in state:
                raise UnexpectedOutput(
                    f"{command!r}: peer {address} shows its counts without table names "
                    f"({state!r}); the families cannot be told apart"
                )
            if state.lower() == "establ":
                peer = address
            else:
                peer = None
                sessions.extend(BgpSession(address, family, up=False) for family in FAMILIES)
        elif rib:
            if peer is None:
                raise unexpected_line(command, line)
            family = JUNOS_RIBS.get(rib["rib"])
            if family is not None:
                sessions.append(BgpSession(peer, family, up=True, received=int(rib["received"])))
        elif _JUNOS_OTHER.match(line):
            peer = None
        else:
            raise unexpected_line(command, line)
    return sessions


# --- hooks


def ibgp_families(intent: DeviceIntent) -> list[str]:
    """The families the intent's global iBGP neighbours carry, in :data:`FAMILIES` order."""
    if intent.bgp is None:
        return []
    used = {
        family
        for neighbor in intent.bgp.neighbors
        if neighbor.remote_as == intent.bgp.asn and neighbor.vrf is None
        for family in neighbor.families
    }
    return [family for family in FAMILIES if family in used]


def _judge_per_family(
    task: Task,
    intent: DeviceIntent,
    commands: dict[str, str],
    parse: Callable[[str, str], list[BgpSession]],
) -> Check:
    sessions: list[BgpSession] = []
    for family in ibgp_families(intent):  # none: nothing to compare, the device is not asked
        sessions.extend(parse(run_command(task, commands[family]), family))
    return check_bgp_sessions(intent, sessions)


def bgp_huawei_vrp(task: Task, intent: DeviceIntent) -> Check:
    return _judge_per_family(task, intent, VRP_BGP_COMMANDS, parse_huawei_vrp_bgp_peers)


def bgp_iosxr(task: Task, intent: DeviceIntent) -> Check:
    return _judge_per_family(task, intent, XR_BGP_COMMANDS, parse_iosxr_bgp_summary)


def bgp_junos(task: Task, intent: DeviceIntent) -> Check:
    if not ibgp_families(intent):  # nothing to compare: the device is not asked
        return check_bgp_sessions(intent, [])
    return check_bgp_sessions(intent, parse_junos_bgp_summary(run_command(task, JUNOS_BGP_COMMAND)))


BGP_CLI_HOOKS: dict[Platform, Hook] = {
    Platform.HUAWEI_VRP: bgp_huawei_vrp,
    Platform.IOSXR: bgp_iosxr,
    Platform.JUNOS: bgp_junos,
}
