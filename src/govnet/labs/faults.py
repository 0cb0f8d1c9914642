"""Failures in the namespace lab: cut a link (carrier loss or silent loss), restore it, and
measure the outage a cut causes with pings every 50 ms.

- carrier loss: one end of the veth pair is set down, so both ends lose carrier at once (a
  fibre cut as the routers see it: the interface goes down, IS-IS drops the adjacency at once);
- silent loss: both ends stay up, and an nftables ``netdev`` **egress** drop on both ends loses
  every frame (an ingress drop does not stop isisd's packet socket from seeing hellos). Only
  BFD (or the IS-IS hold time) notices.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from govnet.labs.netns import START_WORKERS, LabError, LabState, Veth, run, vtysh_json

CutMode = Literal["carrier", "silent"]
NFT_TABLE = "govnet_cut"
PING_INTERVAL = 0.05
REPLY = re.compile(r"icmp_seq=(\d+)")


def _veth(state: LabState, link: str) -> Veth:
    veth = state.veths.get(link)
    if veth is None:
        known = ", ".join(sorted(state.veths)[:8])
        raise LabError(f"no link {link!r} in the lab (links: {known} …)")
    return veth


def _nft_rules(interface: str) -> str:
    return (
        f"table netdev {NFT_TABLE} {{\n"
        f"  chain egress_{interface} {{\n"
        f'    type filter hook egress device "{interface}" priority 0; policy drop;\n'
        "  }\n"
        "}\n"
    )


def _nft(*scripts: tuple[str, str]) -> None:
    """Run each ``(namespace, nft script)`` at the same time: a silent loss hits both ends of
    a link at once, and one end cut ~20 ms after the other would delay its BFD detection."""
    started = [
        (
            namespace,
            subprocess.Popen(
                ["ip", "netns", "exec", namespace, "nft", "-f", "-"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
            script,
        )
        for namespace, script in scripts
    ]
    errors = []
    for namespace, process, script in started:
        _, stderr = process.communicate(script, timeout=10)
        if process.returncode != 0:
            errors.append(f"{namespace}: nft: {stderr.strip()}")
    if errors:
        raise LabError("; ".join(errors))


def cut(state: LabState, link: str, mode: CutMode = "carrier") -> Veth:
    """Cut ``link``; recorded in the state (a second cut of the same link is refused)."""
    veth = _veth(state, link)
    if link in state.cuts:
        raise LabError(f"{link} is already cut ({state.cuts[link]})")
    state.cuts[link] = mode  # recorded first: `restore` and `down` know of it after a crash
    state.save()
    try:
        if mode == "carrier":
            run(["ip", "-n", veth.a_ns, "link", "set", veth.a_if, "down"])
        else:
            _nft((veth.a_ns, _nft_rules(veth.a_if)), (veth.b_ns, _nft_rules(veth.b_if)))
    except LabError:
        _undo(veth, mode)
        del state.cuts[link]
        state.save()
        raise
    return veth


def _undo(veth: Veth, mode: str) -> None:
    """Take a cut back; parts that are not there (a half-made cut) are skipped."""
    if mode == "carrier":
        run(["ip", "-n", veth.a_ns, "link", "set", veth.a_if, "up"])
        return
    for namespace, interface in ((veth.a_ns, veth.a_if), (veth.b_ns, veth.b_if)):
        try:
            _nft((namespace, f"delete chain netdev {NFT_TABLE} egress_{interface}\n"))
        except LabError:
            continue


def restore(state: LabState, link: str) -> Veth:
    """Undo the cut of ``link`` (whichever kind it was)."""
    veth = _veth(state, link)
    mode = state.cuts.get(link)
    if mode is None:
        raise LabError(f"{link} is not cut")
    _undo(veth, mode)
    del state.cuts[link]
    state.save()
    return veth


def longest_gap(received: set[int], sent: int) -> int:
    """The longest run of consecutive sequence numbers (1..sent) without a reply."""
    longest = current = 0
    for seq in range(1, sent + 1):
        current = 0 if seq in received else current + 1
        longest = max(longest, current)
    return longest


def bfd_up(namespace: str, interface: str) -> bool:
    peers = vtysh_json(namespace, "show bfd peers json")
    return any(
        p.get("interface") == interface and p.get("status") == "up"
        for p in (peers if isinstance(peers, list) else [])
    )


def routes_over(namespace: str, prefix: str, interface: str) -> bool:
    """The installed route to ``prefix`` leaves through ``interface``."""
    family = "ipv6" if ":" in prefix else "ip"
    routes = vtysh_json(namespace, f"show {family} route {prefix} json")
    return any(
        hop.get("interfaceName") == interface and hop.get("active")
        for entry in (routes.get(prefix, []) if isinstance(routes, dict) else [])
        if entry.get("selected")
        for hop in entry.get("nexthops", [])
    )


def wait_link_ready(state: LabState, veth: Veth, timeout: float = 30.0) -> float:
    """Seconds until the link carries the traffic between its ends (both directions) and BFD
    is up at both ends: measured earlier, a cut would hit no traffic, or a silent cut would
    measure the IS-IS hold time instead of BFD."""
    a4, b4 = state.loopbacks[veth.a][0], state.loopbacks[veth.b][0]

    def ready() -> bool:
        return (
            routes_over(veth.a_ns, f"{b4}/32", veth.a_if)
            and routes_over(veth.b_ns, f"{a4}/32", veth.b_if)
            and bfd_up(veth.a_ns, veth.a_if)
            and bfd_up(veth.b_ns, veth.b_if)
        )

    start = time.monotonic()
    while not ready():
        if time.monotonic() - start > timeout:
            raise LabError(
                f"{veth.link}: not carrying the traffic between its ends with BFD up after "
                f"{timeout:.0f} s"
            )
        time.sleep(0.2)
    return time.monotonic() - start


SHOW_SPF_DELAY = "show isis spf-delay-ietf"
SPF_STATE = re.compile(r"Current state:\s+(\S+)")


def spf_quiet(show_spf_delay: str) -> bool:
    """FRR's ``show isis spf-delay-ietf``: the SPF back-off (RFC 8405) of every level is back
    in QUIET and no SPF is scheduled, so the next event gets the initial delay, not the short
    or long one of a router still settling."""
    states = SPF_STATE.findall(show_spf_delay)
    return bool(states) and all(s == "QUIET" for s in states) and "Not scheduled" in show_spf_delay


def _router_spf_quiet(namespace: str) -> bool:
    return spf_quiet(run(["vtysh", "-N", namespace, "-c", SHOW_SPF_DELAY], timeout=20.0))


def wait_spf_quiet(state: LabState, timeout: float = 30.0) -> float:
    """Seconds until every IS-IS router of the lab is in SPF QUIET (asked in parallel).
    A failover measured earlier would time the back-off left over from the previous change
    (up to the long delay) instead of the failure."""
    namespaces = [state.routers[d] for d in sorted(state.loopbacks)]
    start = time.monotonic()
    pending = namespaces
    with ThreadPoolExecutor(max_workers=START_WORKERS) as pool:
        while pending:
            pending = [
                ns
                for ns, quiet in zip(pending, pool.map(_router_spf_quiet, pending), strict=True)
                if not quiet
            ]
            if not pending:
                break
            if time.monotonic() - start > timeout:
                raise LabError(
                    f"IS-IS SPF not quiet after {timeout:.0f} s in {len(pending)} routers"
                )
            time.sleep(0.2)
    return time.monotonic() - start


@dataclass(frozen=True)
class Probe:
    """Where the pings of a failover run: from ``source`` (a neighbour of one end, whose
    traffic to the other end crosses the link) to ``target``'s loopback. Never from an end
    itself: a router's own packets dropped at its egress fail in ``sendmsg`` and ping waits
    and resends instead of losing them."""

    source: str
    source_ns: str
    source_address: str
    target: str
    target_address: str


def choose_probe(state: LabState, veth: Veth) -> Probe:
    for near, far in ((veth.a, veth.b), (veth.b, veth.a)):
        far_address = state.loopbacks[far][0]
        for other in sorted(state.veths.values(), key=lambda v: v.link):
            if other.link == veth.link or near not in (other.a, other.b):
                continue
            source, source_ns, source_if = (
                (other.b, other.b_ns, other.b_if)
                if other.a == near
                else (other.a, other.a_ns, other.a_if)
            )
            if source in (veth.a, veth.b) or source not in state.loopbacks:
                continue
            if routes_over(source_ns, f"{far_address}/32", source_if):
                return Probe(source, source_ns, state.loopbacks[source][0], far, far_address)
    raise LabError(f"{veth.link}: no neighbour of its ends routes across it to measure with")


@dataclass(frozen=True)
class Failover:
    link: str
    mode: CutMode
    source: str
    destination: str
    sent: int
    received: int
    outage_ms: float  # longest run of lost pings x the interval


def failover(
    state: LabState,
    link: str,
    mode: CutMode = "carrier",
    before: float = 1.0,
    after: float = 4.0,
    restore_after: bool = True,
) -> Failover:
    """Ping every 50 ms across ``link`` (see :class:`Probe`) from a settled network (every
    router's SPF back-off quiet), cut it ``before`` seconds in, keep pinging ``after``
    seconds, then restore it and wait until it carries traffic again. The outage is the
    longest run of lost replies."""
    veth = _veth(state, link)
    if veth.a not in state.loopbacks or veth.b not in state.loopbacks:
        raise LabError(f"{link}: both ends must run IS-IS to measure a failover")
    wait_link_ready(state, veth)
    probe = choose_probe(state, veth)
    wait_spf_quiet(state)
    count = int((before + after) / PING_INTERVAL)
    ping = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            probe.source_ns,
            "ping",
            "-n",
            "-i",
            str(PING_INTERVAL),
            "-W",
            "1",
            "-c",
            str(count),
            "-I",
            probe.source_address,
            probe.target_address,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(before)
        cut(state, link, mode)
        stdout, _ = ping.communicate(timeout=before + after + 30)
    finally:
        if ping.poll() is None:
            ping.kill()
        if restore_after and link in state.cuts:
            restore(state, link)
    if restore_after:
        # back in service (adjacency, BFD, routes over it) before anything else is measured:
        # its adjacency forming during the next measurement would put SPF in its long wait
        wait_link_ready(state, veth)
    received = {int(m.group(1)) for m in REPLY.finditer(stdout)}
    gap = longest_gap(received, count)
    return Failover(
        link=link,
        mode=mode,
        source=probe.source,
        destination=probe.target,
        sent=count,
        received=len(received),
        outage_ms=gap * PING_INTERVAL * 1000,
    )


# --- continuous probes: pings every 50 ms for as long as a rehearsal runs

TIMED_REPLY = re.compile(r"^\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=(\d+)")
TIMED_NO_ANSWER = re.compile(r"^\[(\d+\.\d+)\] no answer yet for icmp_seq=(\d+)")


@dataclass(frozen=True)
class PingPair:
    """One continuous probe: ``source``'s loopback to ``target``'s, in one address family."""

    source: str
    source_ns: str
    source_address: str
    target: str
    target_address: str


def ping_samples(output: str) -> dict[int, tuple[float, bool]]:
    """``ping -D -O`` output -> icmp_seq -> (when, answered): a reply's time, or for a packet
    without one the time ping said so (when it sent the next). A late reply still counts."""
    samples: dict[int, tuple[float, bool]] = {}
    for line in output.splitlines():
        if reply := TIMED_REPLY.match(line):
            samples[int(reply.group(2))] = (float(reply.group(1)), True)
        elif (silent := TIMED_NO_ANSWER.match(line)) and int(silent.group(2)) not in samples:
            samples[int(silent.group(2))] = (float(silent.group(1)), False)
    return samples


@dataclass(frozen=True)
class WindowLoss:
    sent: int
    lost: int
    outage_ms: float  # the longest run of lost pings x the interval


def window_loss(
    samples: dict[int, tuple[float, bool]],
    start: float,
    end: float,
    interval: float = PING_INTERVAL,
) -> WindowLoss:
    """The pings of ``samples`` timed within [start, end)."""
    inside = sorted(seq for seq, (when, _) in samples.items() if start <= when < end)
    received = {i for i, seq in enumerate(inside, 1) if samples[seq][1]}
    gap = longest_gap(received, len(inside))
    return WindowLoss(len(inside), len(inside) - len(received), gap * interval * 1000)


class ContinuousPings:
    """Pings every 50 ms on every pair, each ping's output (timestamped, ``-D -O``) in a file
    of ``folder``; :meth:`stop` ends them, :meth:`samples` reads what they saw."""

    def __init__(self, pairs: list[PingPair], folder: Path) -> None:
        self.pairs = pairs
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []

    def _file(self, number: int) -> Path:
        return self.folder / f"ping-{number}.txt"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for number, pair in enumerate(self.pairs):
            family = "-6" if ":" in pair.target_address else "-4"
            with self._file(number).open("wb") as out:
                self.processes.append(
                    subprocess.Popen(
                        [
                            "ip",
                            "netns",
                            "exec",
                            pair.source_ns,
                            "ping",
                            family,
                            "-n",
                            "-D",
                            "-O",
                            "-i",
                            str(PING_INTERVAL),
                            "-W",
                            "1",
                            "-I",
                            pair.source_address,
                            pair.target_address,
                        ],
                        stdout=out,
                        stderr=subprocess.DEVNULL,
                    )
                )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def samples(self) -> list[tuple[PingPair, dict[int, tuple[float, bool]]]]:
        return [
            (pair, ping_samples(self._file(n).read_text(errors="replace")))
            for n, pair in enumerate(self.pairs)
        ]

    def __enter__(self) -> ContinuousPings:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
