"""SRv6 steering proven with packets in the lab (the kernel's seg6, not FRR's control plane).

``source`` encapsulates traffic for ``destination``'s IPv6 loopback with a segment list
``[End SID of via, End.DT6 SID of destination]``: the packets go to ``via`` first (its locator
is advertised in IS-IS), which performs End, then to ``destination``, which decapsulates and
delivers. An nftables counter at ``via`` counts the packets that reach it with its SID as
destination, so the path is shown by packets, not inferred from routes.
"""

from __future__ import annotations

import ipaddress
import re
import subprocess
from dataclasses import dataclass

from govnet.labs.netns import LabError, LabState, ns_run, run
from govnet.templates.intent import DeviceIntent

END_FUNCTION = 0xE0
DT6_FUNCTION = 0xD6
LOCAL_TABLE = 255  # End.DT6 looks the inner destination up here: the loopback is a local route
COUNTER_TABLE = "govnet_srv6"
RECEIVED = re.compile(r"(\d+) received")
PACKETS = re.compile(r"packets (\d+)")


def sid(intent: DeviceIntent, function: int) -> str:
    if intent.srv6 is None:
        raise LabError(f"{intent.hostname} has no SRv6 locator")
    return str(ipaddress.IPv6Network(intent.srv6.locator_prefix)[function])


@dataclass(frozen=True)
class Steering:
    source: str
    via: str
    destination: str
    segments: tuple[str, str]
    sent: int
    answered: int
    counted_at_via: int


def _first_interface(state: LabState, device: str) -> str:
    for veth in state.veths.values():
        if veth.a == device:
            return veth.a_if
        if veth.b == device:
            return veth.b_if
    raise LabError(f"{device} has no link in the lab")


def steer(
    state: LabState,
    intents: dict[str, DeviceIntent],
    source: str,
    via: str,
    destination: str,
    count: int = 20,
) -> Steering:
    """Install the steering, send ``count`` pings, read the counter, remove everything."""
    ns = state.routers
    end_sid, dt6_sid = sid(intents[via], END_FUNCTION), sid(intents[destination], DT6_FUNCTION)
    target = state.loopbacks[destination][1]
    origin = state.loopbacks[source][1]
    via_if = _first_interface(state, via)
    dst_if = _first_interface(state, destination)
    src_if = _first_interface(state, source)
    installed: list[tuple[str, list[str]]] = []

    def add(namespace: str, route: list[str]) -> None:
        run(["ip", "-n", namespace, "-6", "route", "add", *route])
        installed.append((namespace, route))

    counter = (
        f"table inet {COUNTER_TABLE} {{\n  chain pre {{\n"
        "    type filter hook prerouting priority -300; policy accept;\n"
        f"    ip6 daddr {end_sid} counter\n  }}\n}}\n"
    )
    try:
        add(ns[via], [f"{end_sid}/128", "encap", "seg6local", "action", "End", "dev", via_if])
        add(
            ns[destination],
            [
                f"{dt6_sid}/128", "encap", "seg6local", "action", "End.DT6",
                "table", str(LOCAL_TABLE), "dev", dst_if,
            ],
        )  # fmt: skip
        add(
            ns[source],
            [
                f"{target}/128", "encap", "seg6", "mode", "encap",
                "segs", f"{end_sid},{dt6_sid}", "dev", src_if,
            ],
        )  # fmt: skip
        # one packet first, not counted: it resolves the neighbours on the path (the first
        # packet of an encapsulated flow can be lost while they are being resolved)
        subprocess.run(
            ["ip", "netns", "exec", ns[source], "ping", "-6", "-n", "-q", "-c", "1", "-W", "2",
             "-I", origin, target],
            capture_output=True, timeout=30, check=False,
        )  # fmt: skip
        subprocess.run(
            ["ip", "netns", "exec", ns[via], "nft", "-f", "-"],
            input=counter,
            text=True,
            check=True,
            capture_output=True,
            timeout=10,
        )
        pinged = subprocess.run(
            ["ip", "netns", "exec", ns[source], "ping", "-6", "-n", "-q", "-i", "0.05",
             "-W", "1", "-c", str(count), "-I", origin, target],
            capture_output=True, text=True, timeout=count + 30, check=False,
        )  # fmt: skip
        listed = ns_run(ns[via], ["nft", "list", "table", "inet", COUNTER_TABLE])
    except subprocess.CalledProcessError as error:
        raise LabError(f"srv6 steering: {error.stderr.strip()}") from error
    finally:
        for namespace, route in reversed(installed):
            subprocess.run(["ip", "-n", namespace, "-6", "route", "del", route[0]], check=False)
        subprocess.run(
            ["ip", "netns", "exec", ns[via], "nft", "delete", "table", "inet", COUNTER_TABLE],
            capture_output=True,
            check=False,
        )
    answered = RECEIVED.search(pinged.stdout)
    counted = PACKETS.search(listed)
    return Steering(
        source=source,
        via=via,
        destination=destination,
        segments=(end_sid, dt6_sid),
        sent=count,
        answered=int(answered.group(1)) if answered else 0,
        counted_at_via=int(counted.group(1)) if counted else 0,
    )
