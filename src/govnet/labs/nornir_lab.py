"""The namespace lab as a Nornir inventory: push rendered lab configs and verify routers through
the ``frr_netns`` connection, with the same push task, reports and checks as production.

Verification in the lab asks FRR for JSON (``show isis neighbor json``, ``show bgp summary
json``, ``show ip[v6] route json``, ``show segment-routing srv6 locator json``) and judges it with
the shared checks of :mod:`govnet.inventory.verification`, against the intent limited to what
the lab contains: links and iBGP neighbours outside the lab's scope are not expected.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from nornir.core import Nornir
from nornir.core.configuration import Config
from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
from nornir.core.task import Result, Task
from nornir.plugins.runners import ThreadedRunner
from rich.progress import Progress

from govnet.inventory.delivery import Sleep, deliver
from govnet.inventory.delivery_steps import Clock, Delivery, Verify
from govnet.inventory.platforms import Platform
from govnet.inventory.push_report import HostPush, PushReport
from govnet.inventory.rollout import Rollout, confirm_timer, rollout_order
from govnet.inventory.secrets import UnresolvedSecrets, resolve_secrets, secret_values
from govnet.inventory.verification import (
    Adjacency,
    BgpSession,
    Check,
    Locator,
    Loopbacks,
    VerifyResult,
    check_bgp_sessions,
    check_isis_adjacencies,
    check_loopback_routes,
    check_srv6_locator,
    loopback_prefixes,
    name_subjects,
    retry_until,
)
from govnet.ipv6.live import run_per_host
from govnet.labs.ce_management import check_ce_management, probe_all, served_ces
from govnet.labs.faults import SHOW_SPF_DELAY, spf_quiet
from govnet.labs.frr_connection import (
    CONNECTION_NAME,
    FrrNamespaceDevice,
    ManagementPath,
    register,
)
from govnet.templates.intent import DeviceIntent

FRR_FAMILIES = {
    "ipv4Unicast": "ipv4_unicast",
    "ipv6Unicast": "ipv6_unicast",
    "ipv4Vpn": "vpnv4",
    "ipv6Vpn": "vpnv6",
}


# --- what FRR reports, as the shared records


def isis_installed(routes_v4: Any, routes_v6: Any, prefix: str) -> bool:
    """``prefix`` is a selected IS-IS route in FRR's ``show ip[v6] route … json``."""
    routes = routes_v6 if ":" in prefix else routes_v4
    entries = routes.get(prefix, []) if isinstance(routes, dict) else []
    return any(e.get("selected") and e.get("protocol") == "isis" for e in entries)


def frr_adjacencies(data: Any) -> list[Adjacency]:
    """``show isis neighbor json`` (FRR 8.4): areas -> circuits, each with ``adj``,
    ``interface`` and ``state``; circuits without ``adj`` are interfaces without a neighbour."""
    return [
        Adjacency(
            interface=str(circuit["interface"]),
            neighbor=str(circuit["adj"]),
            up=circuit.get("state") == "Up",
        )
        for area in data.get("areas", [])
        for circuit in area.get("circuits", [])
        if "adj" in circuit and "interface" in circuit
    ]


def frr_sessions(data: Any) -> list[BgpSession]:
    """``show bgp summary json``: one entry per address family, its peers with their state."""
    return [
        BgpSession(
            address=address,
            family=FRR_FAMILIES[family],
            up=peer.get("state") == "Established",
            received=int(peer.get("pfxRcd", 0) or 0),
        )
        for family, summary in data.items()
        if family in FRR_FAMILIES and isinstance(summary, dict)
        for address, peer in summary.get("peers", {}).items()
    ]


def frr_locators(data: Any) -> list[Locator]:
    return [
        Locator(name=str(loc["name"]), prefix=str(loc["prefix"]), up=bool(loc.get("statusUp")))
        for loc in data.get("locators", [])
    ]


def isis_routed(device: str, routes_v4: Any, routes_v6: Any, loopbacks: Loopbacks) -> list[str]:
    """The other routers' loopbacks that are a selected IS-IS route in FRR's route JSON."""
    return [
        prefix
        for prefix in loopback_prefixes(device, loopbacks)
        if isis_installed(routes_v4, routes_v6, prefix)
    ]


# --- the intent, limited to the lab


def in_lab(intent: DeviceIntent, devices: set[str], loopbacks: Loopbacks) -> DeviceIntent:
    """The intent without the links to devices outside the lab and without iBGP neighbours
    whose loopback is not in the lab."""
    addresses = {address for pair in loopbacks.values() for address in pair}
    interfaces = [i for i in intent.interfaces if i.peer is None or i.peer in devices]
    bgp = intent.bgp
    if bgp is not None:
        neighbors = [n for n in bgp.neighbors if n.remote_as != bgp.asn or n.address in addresses]
        bgp = bgp.model_copy(update={"neighbors": neighbors})
    return intent.model_copy(update={"interfaces": interfaces, "bgp": bgp})


def verify_router(
    device: FrrNamespaceDevice,
    intent: DeviceIntent,
    loopbacks: Loopbacks,
    ces: Mapping[str, ManagementPath] | None = None,
) -> VerifyResult:
    """All four checks of one router against its (lab-limited) intent, and with ``ces`` (the
    management paths of the CEs it is a PE of) that each of them answers the NOC."""
    checks = [
        check_isis_adjacencies(
            intent, frr_adjacencies(device.vtysh_json("show isis neighbor json"))
        )
    ]
    if intent.bgp is not None and any(n.remote_as == intent.bgp.asn for n in intent.bgp.neighbors):
        checks.append(
            check_bgp_sessions(intent, frr_sessions(device.vtysh_json("show bgp summary json")))
        )
    if intent.isis is not None:
        routed = isis_routed(
            intent.hostname,
            device.vtysh_json("show ip route isis json"),
            device.vtysh_json("show ipv6 route isis json"),
            loopbacks,
        )
        checks.append(check_loopback_routes(intent.hostname, routed, loopbacks))
    locators = frr_locators(device.vtysh_json("show segment-routing srv6 locator json"))
    checks.append(check_srv6_locator(intent, locators))
    if ces:
        checks.append(check_ce_management(probe_all(ces), ces))
    return name_subjects(VerifyResult(checks=tuple(checks)), loopbacks)


def lab_verifier(
    intent: DeviceIntent,
    loopbacks: Loopbacks,
    settle: float = 0.0,
    interval: float = 0.5,
    management: Mapping[str, ManagementPath] | None = None,
) -> Verify:
    """A Nornir verification of one lab router; with ``settle``, failures are retried for up to
    that many seconds (a fresh commit needs a moment for adjacencies and sessions). With
    ``management`` (:func:`govnet.labs.netns.management_paths`), a PE also proves the
    management path of every CE of the lab it routes to (:mod:`govnet.labs.ce_management`)."""
    scoped = in_lab(intent, set(loopbacks) | {intent.hostname}, loopbacks)
    ces = served_ces(intent, management or {})

    def verify(task: Task) -> VerifyResult:
        device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
        deadline = time.monotonic() + settle
        # Judge the router once IS-IS has taken the change in (SPF back-off quiet): right
        # after a commit its old routes and adjacencies still look fine. A change that keeps
        # IS-IS busy (a duplicate system ID fights over LSPs) never settles and fails.
        settled = scoped.isis is None or settle == 0
        while not settled:
            settled = spf_quiet(device.vtysh(SHOW_SPF_DELAY))
            if settled or time.monotonic() >= deadline:
                break
            time.sleep(interval)
        result = retry_until(
            lambda: verify_router(device, scoped, loopbacks, ces),
            lambda result: result.ok,
            max(0.0, deadline - time.monotonic()),
            interval,
        )
        if not settled:
            unsettled = Check(
                name="isis settled",
                status="failed",
                detail=f"SPF still not quiet after {settle:.0f} s: IS-IS keeps changing",
            )
            return VerifyResult(checks=(*result.checks, unsettled))
        return result

    return verify


# --- the inventory and the runs


def lab_nornir(
    routers: Mapping[str, str],
    workers: int = 8,
    management: Mapping[str, ManagementPath] | None = None,
) -> Nornir:
    """device -> namespace as a Nornir inventory (hostname = namespace, platform frr). With
    ``management`` (device -> its management path, :func:`govnet.labs.netns.management_paths`),
    opening a router's connection first checks that its loopback answers from the lab's
    management vantage point, as a production session reaches a device in-band; without it
    (a first config, which production delivers from a console) no path is checked."""
    register()
    paths = management or {}
    hosts = Hosts(
        {
            name: Host(
                name=name,
                hostname=namespace,
                platform="frr",
                connection_options=(
                    {CONNECTION_NAME: ConnectionOptions(extras=paths[name].as_extras())}
                    if name in paths
                    else {}
                ),
            )
            for name, namespace in sorted(routers.items())
        }
    )
    inventory = Inventory(hosts=hosts, groups=Groups(), defaults=Defaults())
    return Nornir(inventory=inventory, runner=ThreadedRunner(num_workers=workers), config=Config())


def lab_push(
    nornir: Nornir,
    configs: Mapping[str, str],
    commit: bool,
    verifiers: Mapping[str, Verify] | None = None,
    progress: Progress | None = None,
    rollout: Rollout | None = None,
    roles: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    baselines: Mapping[str, Verify] | None = None,
) -> PushReport:
    """Replace each lab router's config by ``configs[router]`` (dry run unless ``commit``)
    through the same delivery as production: a router with a verifier is committed
    confirmed, checked over a fresh connection, judged against its baseline and confirmed or
    rolled back (``rollout``: timer, canary, batches); one without is committed plainly (the
    bring-up). ``roles`` (router -> role) orders the rollout; secrets are resolved from
    ``environ`` as in production. ``baselines`` (router -> its verification against the
    config it runs now) judges the baseline where the change itself changes what is checked
    (a rehearsal stage that adds sessions); default: the verifier's checks."""
    environ = os.environ if environ is None else environ
    rollout = rollout or Rollout()
    names = sorted(set(configs) & set(nornir.inventory.hosts))
    reports: dict[str, HostPush] = {
        name: HostPush(host=name, status="skipped", reason="not in the lab")
        for name in set(configs) - set(names)
    }
    deliveries: dict[str, Delivery] = {}
    for name in names:
        try:
            revert_in = confirm_timer(Platform.FRR, rollout.confirm_timeout)
            values = secret_values(configs[name], environ, host=name)
        except (UnresolvedSecrets, ValueError) as error:
            reports[name] = HostPush(host=name, platform="frr", status="failed", reason=str(error))
            continue
        deliveries[name] = Delivery(
            config=resolve_secrets(configs[name], environ, host=name),
            secrets=values,
            replace=True,
            verify=(verifiers or {}).get(name),
            platform="frr",
            revert_in=revert_in,
            baseline_verify=(baselines or {}).get(name),
        )
    order = rollout_order({n: (roles or {}).get(n, "") for n in deliveries})
    delivered = deliver(
        nornir, deliveries, commit, order, rollout, CONNECTION_NAME, progress, clock, sleep
    )
    reports.update({host.host: host for host in delivered.hosts})
    return delivered.model_copy(update={"hosts": tuple(reports[name] for name in sorted(reports))})


def lab_verify(
    nornir: Nornir,
    intents: Mapping[str, DeviceIntent],
    loopbacks: Loopbacks,
    settle: float = 0.0,
    progress: Progress | None = None,
    management: Mapping[str, ManagementPath] | None = None,
) -> dict[str, VerifyResult | str]:
    """Every lab router against its intent (with ``management``, every PE also against its
    CEs' management paths); the result per router, or why it could not be read."""

    def step(task: Task) -> Result:
        verify = lab_verifier(intents[task.host.name], loopbacks, settle, management=management)
        return Result(host=task.host, result=verify(task))

    selected = nornir.filter(filter_func=lambda host: host.name in intents)
    results, failures = run_per_host(selected, step, "govnet lab verify", progress, "verifying")
    outcome: dict[str, VerifyResult | str] = {**results, **failures}
    return dict(sorted(outcome.items()))
