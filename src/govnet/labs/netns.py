"""A live FRR lab in Linux network namespaces on this machine (root only).

One namespace per router (``gn-`` plus a short hash of the device name, at most 15 characters),
veth pairs straight into the two namespaces with the lab's ``ethN`` names, and per router an FRR
pathspace ``/etc/frr/<ns>/`` started by ``frrinit.sh start <ns>`` inside the namespace and inside
its own UTS namespace (so every daemon sees the router's hostname). Both namespaces are kept by
files (``/run/netns/<ns>``, ``/run/govnet/uts/<ns>``), never reached through a daemon's PID.
Addresses come from the FRR config (zebra applies them). See ``/work/shared/lab-notes.md`` for the measured facts behind this.

Everything created is written to a JSON state file *before* it is created, so :func:`down` can
clean up after a crash: it stops only the PIDs found in the pathspaces it recorded (checked
against their command line: confirm timers first, then watchfrr, then the daemons), deletes
only the namespaces it recorded, and is idempotent.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from govnet.design import Design
from govnet.inventory.roles import Role
from govnet.inventory.verification import loopback_prefixes
from govnet.labs.frr_connection import (
    PENDING_FILE,
    PROBE_TIMEOUT,
    STATE_FOLDER,
    ManagementPath,
    probe,
)
from govnet.labs.frr_daemons import (
    DAEMONS,
    FRR_ETC,
    FRR_RUN,
    FRRINIT,
    NETNS_RUN,
    SUPERVISOR,
    create_uts,
    is_our_daemon,
    live_daemons,
    pid_files,
    remove_uts,
    stop_timer,
    uts_handle,
)
from govnet.templates.build import IntentBuilder, build_intents
from govnet.yamlio import write_atomically

NS_PREFIX = "gn-"
NS_MAX = 15
DAEMONS_TEXT = """\
# govnet lab pathspace (see /work/shared/lab-notes.md)
zebra=yes
staticd=yes
isisd=yes
bgpd=yes
bfdd=yes
vtysh_enable=yes
zebra_options="  -A 127.0.0.1 -s 90000000"
staticd_options="-A 127.0.0.1"
isisd_options="  -A 127.0.0.1"
bgpd_options="   -A 127.0.0.1"
bfdd_options="   -A 127.0.0.1"
watchfrr_options="--netns"
frr_profile="traditional"
"""
VTYSH_TEXT = "service integrated-vtysh-config\n"
# What a router boots with: the rendered config is pushed through Nornir once FRR runs.
BOOTSTRAP_TEXT = "frr defaults traditional\nhostname {hostname}\nservice integrated-vtysh-config\n"
START_WORKERS = 16  # starting FRR mostly waits (watchfrr, sockets): many more than the cores
NS_SYSCTLS = (
    "net.ipv4.ip_forward=1",
    "net.ipv6.conf.all.forwarding=1",
    "net.ipv6.conf.all.seg6_enabled=1",
    "net.ipv6.conf.default.seg6_enabled=1",
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
    "net.ipv4.icmp_ratelimit=0",
    "net.ipv6.icmp.ratelimit=0",
)


class LabError(Exception):
    pass


# --- the plan (pure) ------------------------------------------------------------------------


def namespace_name(device: str) -> str:
    """``gn-`` plus 8 hex digits of the device name's SHA-1 (11 characters)."""
    return NS_PREFIX + hashlib.sha1(device.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Veth:
    link: str
    a: str  # device
    a_ns: str
    a_if: str
    b: str
    b_ns: str
    b_if: str


@dataclass(frozen=True)
class RouterPlan:
    name: str
    namespace: str
    interfaces: dict[str, str]  # design interface -> lab ethN (every link of the device)
    loopback_ipv4: str  # address without length
    loopback_ipv6: str
    igp: bool = True  # runs IS-IS (CEs do not: they are not expected to route to every loopback)
    management_address: str = ""  # a bureau CE's in-band management address (no length)


@dataclass(frozen=True)
class LabPlan:
    routers: dict[str, RouterPlan]
    veths: tuple[Veth, ...]
    vantage: str = ""  # the router standing in for the NOC (see management_paths)
    noc_address: str = ""  # the NOC's address in the management prefixes, on the vantage's lo

    def lab_interfaces(self, device: str) -> list[str]:
        """The ethN that exist in the device's namespace."""
        names = [v.a_if for v in self.veths if v.a == device]
        names += [v.b_if for v in self.veths if v.b == device]
        return sorted(names)


def _address(prefix: str | None) -> str:
    if prefix is None:
        raise LabError("a lab router without a loopback address")
    return prefix.split("/")[0]


def noc_address(design: Design, vantage: str) -> str:
    """Where the lab's NOC speaks from: the vantage's own inventory address (IPv4, inside the
    management prefixes, unique in the design), carried on the vantage's ``lo`` and advertised
    by IS-IS. A bureau CE routes only the management prefixes back to its PEs, so a probe
    from a backbone loopback would get no answer; one from here does. Empty without an IPv4
    vantage address."""
    if not vantage:
        return ""
    address = design.hosts[vantage].hostname
    return str(address) if address.version == 4 else ""


def lab_plan(design: Design, graph: nx.MultiGraph, scope: set[str]) -> LabPlan:
    """Routers: the managed devices in ``scope``; links: design links with both ends in it."""
    unknown = sorted(scope - set(design.hosts))
    if unknown:
        raise LabError(f"not managed devices of the design: {', '.join(unknown)}")
    builder = IntentBuilder(design, graph, lab=True)
    names = sorted(scope)
    intents = build_intents(design, graph, names, lab=True)
    routers: dict[str, RouterPlan] = {}
    for name in names:
        loopback = intents[name].interfaces[0]
        routers[name] = RouterPlan(
            name=name,
            namespace=namespace_name(name),
            interfaces=builder.lab_names(name),
            loopback_ipv4=_address(loopback.ipv4),
            loopback_ipv6=_address(loopback.ipv6),
            igp=intents[name].isis is not None,
            management_address=(intents[name].management_address or "").split("/")[0],
        )
    if len({r.namespace for r in routers.values()}) != len(routers):
        raise LabError("two routers hash to the same namespace name")
    veths = tuple(
        Veth(
            link=link.key,
            a=link.a.device,
            a_ns=routers[link.a.device].namespace,
            a_if=routers[link.a.device].interfaces[link.a.interface],
            b=link.b.device,
            b_ns=routers[link.b.device].namespace,
            b_if=routers[link.b.device].interfaces[link.b.interface],
        )
        for link in sorted(design.links, key=lambda link: link.key)
        if link.a.device in scope and link.b.device in scope and link.a.device != link.b.device
    )
    vantage = management_vantage(design, routers)
    return LabPlan(
        routers=routers,
        veths=veths,
        vantage=vantage,
        noc_address=noc_address(design, vantage),
    )


def management_vantage(design: Design, routers: dict[str, RouterPlan]) -> str:
    """The lab's management station: the first metro core of the lab. Production manages
    the routers in-band from the NOC, which hangs off the metro core; a change that cuts a
    router off the IS-IS backbone cuts it off from there too. Without a metro core, the first
    IS-IS router."""
    igp = sorted(name for name, router in routers.items() if router.igp)
    cores = [name for name in igp if design.hosts[name].role is Role.METRO_CORE]
    return (cores or igp or [""])[0]


def core_and_rings(design: Design, rings: list[str]) -> set[str]:
    """The metro cores plus every member (aggregation nodes and towns) of the given rings; a
    name that is a managed device rather than a ring adds that device (a bureau CE, say)."""
    by_name = {r.name: r for r in design.rings}
    missing = sorted(set(rings) - set(by_name) - set(design.hosts))
    if missing:
        known = ", ".join(sorted(by_name)) or "none"
        raise LabError(
            f"no such ring or device: {', '.join(missing)} (rings: {known}; or a device name)"
        )
    scope = {h.name for h in design.hosts.values() if h.role is Role.METRO_CORE}
    for name in rings:
        scope |= set(by_name[name].members) if name in by_name else {name}
    return scope


# --- state file -----------------------------------------------------------------------------


@dataclass
class LabState:
    path: Path
    routers: dict[str, str] = field(default_factory=dict)  # device -> namespace
    pids: dict[str, dict[str, int]] = field(default_factory=dict)  # namespace -> daemon -> pid
    loopbacks: dict[str, tuple[str, str]] = field(default_factory=dict)  # device -> (v4, v6)
    veths: dict[str, Veth] = field(default_factory=dict)  # link key -> its veth pair
    cuts: dict[str, str] = field(default_factory=dict)  # link key -> "carrier" or "silent"
    vantage: str = ""  # the device standing in for the NOC
    noc_address: str = ""  # the NOC's address on the vantage's lo
    management: dict[str, str] = field(default_factory=dict)  # CE -> in-band address

    def save(self) -> None:
        data = {
            "vantage": self.vantage,
            "noc_address": self.noc_address,
            "management": self.management,
            "routers": self.routers,
            "pids": self.pids,
            "loopbacks": {k: list(v) for k, v in self.loopbacks.items()},
            "veths": {k: asdict(v) for k, v in self.veths.items()},
            "cuts": self.cuts,
        }
        write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True))

    @classmethod
    def load(cls, path: Path) -> LabState:
        if not path.is_file():
            return cls(path)
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            path,
            routers={str(k): str(v) for k, v in data.get("routers", {}).items()},
            pids={
                str(ns): {str(d): int(p) for d, p in pids.items()}
                for ns, pids in data.get("pids", {}).items()
            },
            loopbacks={
                str(k): (str(v[0]), str(v[1])) for k, v in data.get("loopbacks", {}).items()
            },
            veths={str(k): Veth(**v) for k, v in data.get("veths", {}).items()},
            cuts={str(k): str(v) for k, v in data.get("cuts", {}).items()},
            vantage=str(data.get("vantage", "")),
            noc_address=str(data.get("noc_address", "")),
            management={str(k): str(v) for k, v in data.get("management", {}).items()},
        )


# --- small system helpers -------------------------------------------------------------------


def run(args: list[str], timeout: float = 30.0) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise LabError(f"{' '.join(args)}: exit {result.returncode}: {result.stderr.strip()}")
    return result.stdout


def namespace_exists(ns: str) -> bool:
    return (NETNS_RUN / ns).exists()


def ns_run(ns: str, args: list[str]) -> str:
    return run(["ip", "netns", "exec", ns, *args])


# --- bring up -------------------------------------------------------------------------------


def create_namespace(state: LabState, device: str, ns: str) -> None:
    if namespace_exists(ns):
        raise LabError(f"namespace {ns} ({device}) exists already: run down first")
    state.routers[device] = ns  # recorded first: a crash right after still leaves a record
    state.save()
    run(["ip", "netns", "add", ns])
    create_uts(ns, device)
    ns_run(ns, ["ip", "link", "set", "lo", "up"])
    ns_run(ns, ["sysctl", "-q", "-w", *NS_SYSCTLS])


def create_veth(veth: Veth) -> None:
    run(
        [
            "ip", "link", "add", veth.a_if, "netns", veth.a_ns,
            "type", "veth", "peer", "name", veth.b_if, "netns", veth.b_ns,
        ]
    )  # fmt: skip


def add_noc_address(ns: str, address: str) -> None:
    """The NOC's address on the vantage's ``lo``, outside FRR's config (it is the station
    behind the router, not the router's): zebra learns it from the kernel and isisd
    advertises it with the loopback, so every router routes to it, and a push's diff and
    drift check never see it (FRR prints only the addresses it was configured with)."""
    run(["ip", "-n", ns, "address", "add", f"{address}/32", "dev", "lo"])


def interfaces_up(ns: str, interfaces: list[str]) -> None:
    for name in interfaces:
        run(["ip", "-n", ns, "link", "set", name, "up"])
    if interfaces:
        keys = [f"net.ipv6.conf.{i}.seg6_enabled=1" for i in interfaces]
        keys += [f"net.ipv4.conf.{i}.rp_filter=0" for i in interfaces]
        ns_run(ns, ["sysctl", "-q", "-w", *keys])


def write_pathspace(ns: str, hostname: str) -> Path:
    """``/etc/frr/<ns>/`` with the daemons list and a bootstrap config (hostname only)."""
    folder = FRR_ETC / ns
    folder.mkdir(mode=0o750, exist_ok=True)
    for name, text in (
        ("daemons", DAEMONS_TEXT),
        ("vtysh.conf", VTYSH_TEXT),
        ("frr.conf", BOOTSTRAP_TEXT.format(hostname=hostname)),
    ):
        (folder / name).write_text(text, encoding="utf-8")
    for path in (folder, *folder.iterdir()):
        shutil.chown(path, "frr", "frr")
    return folder


def start_frr(ns: str) -> None:
    """frrinit.sh inside the router's network and UTS namespaces (its hostname is set)."""
    run(["ip", "netns", "exec", ns, "nsenter", f"--uts={uts_handle(ns)}", FRRINIT, "start", ns],
        timeout=120.0)  # fmt: skip


def wait_pids(ns: str, timeout: float = 30.0) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        pids = {d: p for d, p in pid_files(ns).items() if is_our_daemon(p, ns)}
        if all(d in pids for d in (*DAEMONS, SUPERVISOR)):
            return pids
        if time.monotonic() > deadline:
            missing = sorted(set((*DAEMONS, SUPERVISOR)) - set(pids))
            raise LabError(f"{ns}: daemons not running: {', '.join(missing)}")
        time.sleep(0.2)


def start_router(router: RouterPlan) -> dict[str, int]:
    """FRR started for one router (bootstrap config): its daemons' PIDs once all run."""
    start_frr(router.namespace)
    return wait_pids(router.namespace)


def up(plan: LabPlan, state_file: Path) -> LabState:
    """Namespaces, veths and FRR daemons (bootstrap config only) for every router of the plan;
    on any failure, tear down what was created and re-raise. The rendered configs are pushed
    afterwards, through Nornir (:func:`govnet.labs.nornir_lab.lab_push`)."""
    state = prepare(plan, state_file)
    try:
        with ThreadPoolExecutor(max_workers=START_WORKERS) as pool:
            started = dict(
                zip(plan.routers, pool.map(start_router, plan.routers.values()), strict=True)
            )
        for name, pids in started.items():
            state.pids[plan.routers[name].namespace] = pids
        state.save()
    except BaseException:
        down(state_file)
        raise
    return state


def prepare(plan: LabPlan, state_file: Path) -> LabState:
    """Namespaces, veths and pathspaces for every router of the plan, each recorded before it
    is made (FRR not started yet); on any failure, tear down what was created and re-raise.
    Daemons started later are found by ``down`` through their PID files."""
    state = LabState.load(state_file)
    if state.routers:
        raise LabError(f"{state_file} records a running lab: run down first")
    state.loopbacks = {
        r.name: (r.loopback_ipv4, r.loopback_ipv6) for r in plan.routers.values() if r.igp
    }
    state.vantage = plan.vantage
    state.noc_address = plan.noc_address
    state.management = {
        r.name: r.management_address for r in plan.routers.values() if r.management_address
    }
    try:
        for router in plan.routers.values():
            create_namespace(state, router.name, router.namespace)
        if plan.vantage and plan.noc_address:
            add_noc_address(plan.routers[plan.vantage].namespace, plan.noc_address)
        state.veths = {veth.link: veth for veth in plan.veths}
        state.save()
        for veth in plan.veths:
            create_veth(veth)
        for router in plan.routers.values():
            interfaces_up(router.namespace, plan.lab_interfaces(router.name))
            write_pathspace(router.namespace, router.name)
    except BaseException:
        down(state_file)
        raise
    return state


# --- tear down ------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_pids(pids: list[int], timeout: float = 5.0) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in pids:
        if _alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue


def our_pids(ns: str, recorded: dict[str, int]) -> dict[str, int]:
    """Recorded and pid-file PIDs that are FRR binaries started with ``-N ns``."""
    found = {**recorded, **pid_files(ns)}
    return {d: p for d, p in found.items() if is_our_daemon(p, ns)}


def stop_confirm_timer(ns: str) -> None:
    """A pending commit's timer would restart the daemons being stopped: stopped first."""
    try:
        pending = json.loads((FRR_ETC / ns / STATE_FOLDER / PENDING_FILE).read_text())
        pid = int(pending["timer_pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    stop_timer(pid, ns)


def stop_routers(state: LabState) -> None:
    """Every confirm timer and watchfrr first (or they restart the others), then the daemons,
    all in parallel."""
    spaces = sorted(set(state.routers.values()) | set(state.pids))
    for ns in spaces:
        stop_confirm_timer(ns)
    pids = {ns: our_pids(ns, state.pids.get(ns, {})) for ns in spaces}
    stop_pids([p[SUPERVISOR] for p in pids.values() if SUPERVISOR in p])
    stop_pids(sorted({pid for p in pids.values() for d, pid in p.items() if d != "watchfrr"}))


def down(state_file: Path) -> None:
    """Stop, delete and remove everything the state file records; safe to run twice."""
    state = LabState.load(state_file)
    errors: list[str] = []
    try:
        stop_routers(state)
    except OSError as error:
        errors.append(f"stopping daemons: {error}")
    for ns in sorted(set(state.routers.values()) | set(state.pids)):
        try:
            remove_uts(ns)
            if namespace_exists(ns):
                run(["ip", "netns", "delete", ns])
            shutil.rmtree(FRR_ETC / ns, ignore_errors=True)
            shutil.rmtree(FRR_RUN / ns, ignore_errors=True)
        except (LabError, OSError, subprocess.SubprocessError) as error:
            errors.append(f"{ns}: {error}")
    if errors:
        raise LabError("\n".join(errors))
    state_file.unlink(missing_ok=True)


def management_paths(state: LabState, timeout: float = PROBE_TIMEOUT) -> dict[str, ManagementPath]:
    """device -> how the lab's management station reaches it: an IS-IS router by a ping from
    the vantage router's loopback to the router's IPv4 loopback; a bureau CE in-band, by a
    ping from the NOC's address to the CE's management address (across its PE's static host
    route, admitted into IS-IS, and the CE's routes back to the management prefixes)."""
    if state.vantage not in state.loopbacks:
        return {}
    vantage_ns = state.routers[state.vantage]
    source = state.loopbacks[state.vantage][0]
    paths = {
        device: ManagementPath(state.vantage, vantage_ns, source, loopback[0], timeout)
        for device, loopback in state.loopbacks.items()
    }
    if state.noc_address:
        paths.update(
            {
                device: ManagementPath(
                    state.vantage, vantage_ns, state.noc_address, address, timeout
                )
                for device, address in state.management.items()
            }
        )
    return dict(sorted(paths.items()))


# --- observe --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouterStatus:
    device: str
    namespace: str
    namespace_exists: bool
    pids: dict[str, int | None]  # daemon -> its live PID now (FRR's pid file), None if dead

    @property
    def daemons(self) -> dict[str, bool]:
        return {daemon: pid is not None for daemon, pid in self.pids.items()}

    @property
    def dead(self) -> list[str]:
        return [daemon for daemon, pid in self.pids.items() if pid is None]

    @property
    def healthy(self) -> bool:
        return self.namespace_exists and bool(self.pids) and not self.dead


def router_status(device: str, ns: str) -> RouterStatus:
    """One router now: its daemons' PIDs read from FRR's pid files and checked against /proc
    (a daemon watchfrr restarted has a new PID; one that died has none)."""
    exists = namespace_exists(ns)
    return RouterStatus(device, ns, exists, live_daemons(ns) if exists else {})


def status(state_file: Path) -> list[RouterStatus]:
    state = LabState.load(state_file)
    return [router_status(device, ns) for device, ns in sorted(state.routers.items())]


def broken_routers(state: LabState) -> dict[str, list[str]]:
    """device -> its dead daemons (or ``namespace`` when the router is gone), for every router
    of the lab that is not whole: the cause to name when others lose routes to it."""
    found = {}
    for device, ns in sorted(state.routers.items()):
        now = router_status(device, ns)
        if not now.healthy:
            found[device] = now.dead if now.namespace_exists else ["namespace"]
    return found


def vtysh_json(ns: str, command: str) -> Any:
    return json.loads(run(["vtysh", "-N", ns, "-c", command], timeout=20.0) or "{}")


def route_prefixes(routes: Any, host_length: int) -> set[str]:
    """The destinations of ``ip -j route show`` as prefixes; iproute2 prints a host route
    (``/32``, ``/128``) without its length."""
    return {
        dst if "/" in dst else f"{dst}/{host_length}"
        for route in (routes if isinstance(routes, list) else [])
        if isinstance(dst := route.get("dst"), str)
    }


def kernel_isis_prefixes(ns: str) -> set[str]:
    """The IS-IS routes zebra has installed in the namespace's kernel table, v4 and v6. Read
    with iproute2: about 4 ms a call where vtysh takes 45 ms of CPU, which matters when 60
    routers are polled while they converge on two cores."""
    v4 = json.loads(run(["ip", "-n", ns, "-j", "-4", "route", "show", "proto", "isis"]) or "[]")
    v6 = json.loads(run(["ip", "-n", ns, "-j", "-6", "route", "show", "proto", "isis"]) or "[]")
    return route_prefixes(v4, 32) | route_prefixes(v6, 128)


def router_missing(state: LabState, device: str) -> list[str]:
    """The other IS-IS routers' loopbacks (``/32``, ``/128``) that are not yet an IS-IS route
    in ``device``'s kernel table (installed, not only chosen by FRR)."""
    installed = kernel_isis_prefixes(state.routers[device])
    return [p for p in loopback_prefixes(device, state.loopbacks) if p not in installed]


def missing_routes(state: LabState, devices: Iterable[str] | None = None) -> dict[str, list[str]]:
    """IS-IS router -> the loopbacks it has no route to yet (routers asked in parallel)."""
    names = sorted(state.loopbacks if devices is None else set(devices) & set(state.loopbacks))
    with ThreadPoolExecutor(max_workers=START_WORKERS) as pool:
        found = dict(zip(names, pool.map(lambda d: router_missing(state, d), names), strict=True))
    return {device: missing for device, missing in found.items() if missing}


def wait_converged(state: LabState, timeout: float = 60.0, interval: float = 0.3) -> float:
    """Seconds until every router has an IS-IS route to every other loopback (v4 and v6) in
    its kernel table. Only the routers still missing routes are asked again."""
    start = time.monotonic()
    pending: Iterable[str] | None = None
    while True:
        missing = missing_routes(state, pending)
        elapsed = time.monotonic() - start
        if not missing:
            return elapsed
        if elapsed > timeout:
            count = sum(len(v) for v in missing.values())
            raise LabError(f"not converged after {timeout:.0f} s: {count} routes missing")
        pending = sorted(missing)
        time.sleep(interval)


def unmanaged(state: LabState, devices: Iterable[str] | None = None) -> list[str]:
    """The routers (of ``devices``, default all) whose management path gets no answer now."""
    paths = management_paths(state, timeout=1.0)
    names = sorted(paths if devices is None else set(devices) & set(paths))
    with ThreadPoolExecutor(max_workers=START_WORKERS) as pool:
        answered = list(pool.map(lambda name: probe(paths[name]), names))
    return [name for name, ok in zip(names, answered, strict=True) if not ok]


def wait_managed(state: LabState, timeout: float = 30.0, interval: float = 0.3) -> list[str]:
    """Wait until every router answers the NOC over its management path (a CE's comes with its
    PEs' IS-IS import, after the backbone converged); the ones still silent after ``timeout``
    seconds (none: all answer). Only the silent ones are asked again."""
    start = time.monotonic()
    pending = unmanaged(state)
    while pending and time.monotonic() - start < timeout:
        time.sleep(interval)
        pending = unmanaged(state, pending)
    return pending
