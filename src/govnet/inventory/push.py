"""Pushing rendered configs to production devices: render, resolve secrets, then deliver
(:mod:`govnet.inventory.delivery`: baseline, canary and batches, commit-confirmed, fresh
connection, drift check, verification, differential verdict, confirm or roll back).

Dry run is the default: the candidate is loaded, compared and discarded, nothing is committed.
Every step goes through NAPALM's method names, so the platforms are those with a NAPALM
driver: huawei_vrp (the community driver napalm-huawei-vrp, a dependency), iosxr and junos. FRR
has none and is reported as failed, never half-pushed.

Secrets in rendered configs are placeholders. ``%SECRET(env:NAME)%`` is resolved from the
environment just before sending; a missing variable (or a ``vault:`` reference, which nothing
resolves yet) fails that host before any connection is opened. Resolved values never appear in
reports: diffs and error messages are masked back to their placeholders.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
from nornir.core import Nornir
from nornir.core.task import Result, Task
from rich.progress import Progress

from govnet.design import Design
from govnet.inventory.bgp_cli import BGP_CLI_HOOKS
from govnet.inventory.delivery import Sleep, deliver
from govnet.inventory.delivery_steps import Clock, Delivery, Verify
from govnet.inventory.device_cli import ISIS_CLI_HOOKS, SRV6_CLI_HOOKS, Hook
from govnet.inventory.platforms import DEVICE_CONNECTION, PLATFORMS, Platform
from govnet.inventory.push_report import HostPush, PushReport
from govnet.inventory.roles import ROLES
from govnet.inventory.rollout import (
    Rollout,
    confirm_timer,
    loads_as_replace,
    rollout_order,
)
from govnet.inventory.route_cli import LOOPBACK_CLI_HOOKS, ROUTE_CLI_HOOKS, RouteHook
from govnet.inventory.secrets import (
    UnresolvedSecrets,
    resolve_secrets,
    secret_values,
)
from govnet.inventory.verification import (
    Check,
    Loopbacks,
    VerifyResult,
    check_bgp,
    check_loopback_routes,
    check_loopbacks,
    loopback_prefixes,
    name_subjects,
)
from govnet.ipv6.live import (
    MissingDriver,
    UnexpectedOutput,
    _require_napalm_driver,
    failure_reason,
    run_per_host,
)
from govnet.templates.build import build_intents
from govnet.templates.intent import DeviceIntent
from govnet.templates.linux_host import linux_router_refusal
from govnet.templates.render import render_design
from govnet.topology.graph import build_graph
from govnet.yamlio import write_atomically

BACKUP_SUFFIX = ".cfg"


# --- verification


def isis_not_checked(task: Task, intent: DeviceIntent) -> Check:
    """Placeholder hook: NAPALM has no IS-IS getter; a per-platform CLI parser goes here."""
    return Check(
        name="isis adjacencies",
        status="not checked",
        detail=f"no IS-IS adjacency check for {intent.platform} yet",
    )


def srv6_not_checked(task: Task, intent: DeviceIntent) -> Check:
    """Placeholder hook: NAPALM has no SRv6 getter; a per-platform CLI parser goes here."""
    if intent.srv6 is None:
        return Check(name="srv6 locator", status="ok", detail="no locator in the intent")
    return Check(
        name="srv6 locator",
        status="not checked",
        detail=f"no SRv6 locator check for {intent.platform} yet",
    )


def napalm_bgp(task: Task, intent: DeviceIntent) -> Check:
    """Fallback for a platform without a per-family CLI parser: NAPALM's ``get_bgp_neighbors``,
    which tells whether each session is up but not which address families it carries."""
    device = task.host.get_connection(DEVICE_CONNECTION, task.nornir.config)
    return check_bgp(intent, device.get_bgp_neighbors())


BGP_HOOKS: dict[Platform, Hook] = {
    **{platform: napalm_bgp for platform in Platform},
    **BGP_CLI_HOOKS,
}
ISIS_HOOKS: dict[Platform, Hook] = {
    **{platform: isis_not_checked for platform in Platform},
    **ISIS_CLI_HOOKS,
}
SRV6_HOOKS: dict[Platform, Hook] = {
    **{platform: srv6_not_checked for platform in Platform},
    **SRV6_CLI_HOOKS,
}


def guarded(hook: Hook, name: str, task: Task, intent: DeviceIntent) -> Check:
    """One check that fails on its own (unreadable output) without losing the others."""
    try:
        return hook(task, intent)
    except Exception as error:
        return Check(name=name, status="failed", detail=failure_reason(error))


def napalm_routed(device: Any, prefixes: Iterable[str]) -> list[str]:
    """The prefixes NAPALM's ``get_route_to`` finds a route for (one question per prefix:
    NAPALM has no getter for a whole routing table)."""
    return [prefix for prefix in prefixes if device.get_route_to(destination=prefix)]


def napalm_loopbacks(task: Task, intent: DeviceIntent) -> Check:
    """For a platform without a CLI parser: the loopbacks from NAPALM's ``get_interfaces_ip``."""
    device = task.host.get_connection(DEVICE_CONNECTION, task.nornir.config)
    return check_loopbacks(intent, device.get_interfaces_ip())


def napalm_loopback_routes(task: Task, intent: DeviceIntent, loopbacks: Loopbacks) -> Check:
    """For a platform without a CLI parser: a route to every other loopback, from NAPALM's
    ``get_route_to`` (napalm-huawei-vrp's is an empty stub: VRP has its parser)."""
    device = task.host.get_connection(DEVICE_CONNECTION, task.nornir.config)
    routed = napalm_routed(device, loopback_prefixes(intent.hostname, loopbacks))
    return check_loopback_routes(intent.hostname, routed, loopbacks)


LOOPBACK_HOOKS: dict[Platform, Hook] = {
    **{platform: napalm_loopbacks for platform in Platform},
    **LOOPBACK_CLI_HOOKS,
}
ROUTE_HOOKS: dict[Platform, RouteHook] = {
    **{platform: napalm_loopback_routes for platform in Platform},
    **ROUTE_CLI_HOOKS,
}


def design_loopbacks(design: Design, graph: nx.MultiGraph) -> Loopbacks:
    """device -> (IPv4, IPv6) loopback of every device that runs IS-IS."""
    return {
        name: (
            str(graph.nodes[name]["loopback_ipv4"]).split("/")[0],
            str(graph.nodes[name]["loopback_ipv6"]).split("/")[0],
        )
        for name, host in design.hosts.items()
        if ROLES[host.role].backbone
    }


def verifier(intent: DeviceIntent, loopbacks: Loopbacks | None = None) -> Verify:
    """The verification of one host against its intent, through the NAPALM connection; with
    ``loopbacks`` (of every IS-IS router), also a route to each of them."""

    def verify(task: Task) -> VerifyResult:
        # an unreachable device fails here, as a whole, rather than in every check
        task.host.get_connection(DEVICE_CONNECTION, task.nornir.config)
        platform = Platform(intent.platform)
        checks = [
            guarded(BGP_HOOKS[platform], "bgp", task, intent),
            guarded(LOOPBACK_HOOKS[platform], "loopbacks", task, intent),
            guarded(ISIS_HOOKS[platform], "isis adjacencies", task, intent),
            guarded(SRV6_HOOKS[platform], "srv6 locator", task, intent),
        ]
        if loopbacks and intent.isis is not None:

            def routes(task: Task, intent: DeviceIntent) -> Check:
                return ROUTE_HOOKS[platform](task, intent, loopbacks)

            checks.append(guarded(routes, "loopback routes", task, intent))
        result = VerifyResult(checks=tuple(checks))
        return name_subjects(result, loopbacks) if loopbacks else result

    return verify


# --- Nornir tasks


def backup(task: Task, out_dir: Path) -> Result:
    """Nornir task: the running config to ``out_dir/<host>.cfg``, atomically; an empty answer
    never replaces an earlier backup."""
    device = task.host.get_connection(DEVICE_CONNECTION, task.nornir.config)
    running = str(device.get_config(retrieve="running").get("running") or "")
    if not running.strip():
        raise UnexpectedOutput("the device returned an empty running config")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = write_atomically(out_dir / f"{task.host.name}{BACKUP_SUFFIX}", running)
    return Result(host=task.host, result=path)


# --- whole runs


def _napalm_ready(platform: str) -> str:
    """ "" when the platform can be pushed through NAPALM (driver installed), else why not."""
    try:
        known = Platform(platform)
    except ValueError:
        return failure_reason(MissingDriver(f"unknown platform {platform!r}"))
    driver = PLATFORMS[known].napalm_driver
    try:
        if driver is None:
            raise MissingDriver(f"platform {platform!r} has no NAPALM driver (push needs one)")
        _require_napalm_driver(driver)
    except MissingDriver as error:
        return failure_reason(error)
    return ""


def run_push(
    design: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    commit: bool,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
    rollout: Rollout | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    baseline_design: Design | None = None,
) -> PushReport:
    """Render every host of ``nornir`` that the design has, resolve its secrets, then deliver
    (dry run unless ``commit``; staged and commit-confirmed per ``rollout``), verifying each
    against its intent. With ``baseline_design`` (what the devices run now, e.g. the previous
    stage of a migration), the baseline before the change checks that design's promises, so
    a change that adds sessions is not refused for lacking them yet. A host that cannot be prepared (unknown to the design, missing secret,
    no NAPALM driver, a confirm timeout its platform refuses) is reported without any
    connection being opened; a render error of any host stops everything, and so does a
    production FRR host (a Linux router: govnet renders its files but does not deliver them)."""
    environ = os.environ if environ is None else environ
    rollout = rollout or Rollout()
    names = sorted(nornir.inventory.hosts)
    reports: dict[str, HostPush] = {}
    wanted = [name for name in names if name in design.hosts]
    for name in set(names) - set(wanted):
        reports[name] = HostPush(host=name, status="skipped", reason="not in the design")
    configs = {c.hostname: c for c in render_design(design, graph, wanted)} if wanted else {}
    linux_routers = sorted(name for name, config in configs.items() if config.files)
    if linux_routers:
        # nothing is sent to anyone: govnet has no delivery for a Linux router's files
        return PushReport(
            commit=commit,
            hosts=tuple(
                reports.get(name)
                or HostPush(
                    host=name,
                    platform=configs[name].platform,
                    status="skipped",
                    reason="refused: a production FRR host is in the run",
                )
                for name in names
            ),
            refused=linux_router_refusal(linux_routers),
        )
    intents = build_intents(design, graph, wanted) if commit and wanted else {}
    loopbacks = design_loopbacks(design, graph)
    baselines = _baseline_verifiers(baseline_design, wanted) if commit and wanted else {}
    deliveries: dict[str, Delivery] = {}
    for name in wanted:
        config = configs[name]
        why = _napalm_ready(config.platform)
        revert_in = None
        try:
            revert_in = confirm_timer(config.platform, rollout.confirm_timeout)
            values = secret_values(config.text, environ, host=name)
        except (UnresolvedSecrets, ValueError) as error:
            why = why or str(error)
        if why:
            reports[name] = HostPush(
                host=name, platform=config.platform, status="failed", reason=why
            )
            continue
        deliveries[name] = Delivery(
            config=resolve_secrets(config.text, environ, host=name),
            secrets=values,
            replace=loads_as_replace(config.platform),
            verify=verifier(intents[name], loopbacks) if name in intents else None,
            baseline_verify=baselines.get(name),
            platform=config.platform,
            revert_in=revert_in,
        )
    order = rollout_order({name: str(design.hosts[name].role) for name in deliveries})
    delivered = deliver(
        nornir, deliveries, commit, order, rollout, DEVICE_CONNECTION, progress, clock, sleep
    )
    reports.update({host.host: host for host in delivered.hosts})
    return delivered.model_copy(update={"hosts": tuple(reports[name] for name in sorted(reports))})


def _baseline_verifiers(baseline: Design | None, names: list[str]) -> dict[str, Verify]:
    """host -> the verification of what ``baseline`` promises it (hosts it has)."""
    if baseline is None:
        return {}
    graph = build_graph(baseline)
    present = [name for name in names if name in baseline.hosts]
    intents = build_intents(baseline, graph, present)
    loopbacks = design_loopbacks(baseline, graph)
    return {name: verifier(intent, loopbacks) for name, intent in intents.items()}


def run_backup(
    nornir: Nornir, out_dir: Path, progress: Progress | None = None
) -> tuple[dict[str, Path], dict[str, str]]:
    """Every host's running config into ``out_dir``; (written files, failures and why)."""

    def step(task: Task) -> Result:
        why = _napalm_ready(task.host.platform or "")
        if why:
            raise MissingDriver(why)
        return backup(task, out_dir)

    return run_per_host(nornir, step, "govnet backup", progress, "backing up")


def run_verify(
    design: Design, graph: nx.MultiGraph, nornir: Nornir, progress: Progress | None = None
) -> dict[str, VerifyResult | str]:
    """Verify every host the design has against its intent (no change is made): the
    verification result per host, or why the host could not be verified."""
    names = sorted(h for h in nornir.inventory.hosts if h in design.hosts)
    intents = build_intents(design, graph, names) if names else {}
    outcome: dict[str, VerifyResult | str] = {}
    for name in names:
        why = _napalm_ready(intents[name].platform)
        if why:
            outcome[name] = why
    ready = [n for n in names if n not in outcome]

    loopbacks = design_loopbacks(design, graph)

    def step(task: Task) -> Result:
        verify = verifier(intents[task.host.name], loopbacks)
        return Result(host=task.host, result=verify(task))

    if ready:
        selected = nornir.filter(filter_func=lambda host: host.name in ready)
        results, failures = run_per_host(selected, step, "govnet verify", progress, "verifying")
        outcome.update(results)
        outcome.update(failures)
    return dict(sorted(outcome.items()))
