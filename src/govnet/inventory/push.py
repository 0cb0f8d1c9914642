"""Pushing rendered configs: render -> merge as a candidate -> diff -> commit only when asked ->
verify -> roll back every host whose verification fails.

Dry run is the default: the candidate is loaded, compared and discarded, nothing is committed.
Every step goes through NAPALM (``load_merge_candidate``, ``compare_config``,
``commit_config`` / ``discard_config``, ``rollback``), so the platforms are those with a NAPALM
driver: huawei_vrp (the community driver napalm-huawei-vrp, a dependency), iosxr and junos. FRR has none and
is reported as failed, never half-pushed.

Secrets in rendered configs are placeholders. ``%SECRET(env:NAME)%`` is resolved from the
environment just before sending; a missing variable (or a ``vault:`` reference, which nothing
resolves yet) fails that host before any connection is opened. Resolved values never appear in
reports: diffs and error messages are masked back to their placeholders.

Each host runs on its own (Nornir's threaded runner); a host that fails has its candidate
discarded and never stops the others.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import networkx as nx
from nornir.core import Nornir
from nornir.core.task import Result, Task
from pydantic import BaseModel, ConfigDict
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from govnet.design import Design
from govnet.inventory.bgp_cli import BGP_CLI_HOOKS
from govnet.inventory.device_cli import ISIS_CLI_HOOKS, SRV6_CLI_HOOKS, Hook
from govnet.inventory.platforms import DEVICE_CONNECTION, PLATFORMS, Platform
from govnet.inventory.roles import ROLES
from govnet.inventory.secrets import (
    UnresolvedSecrets,
    mask_secrets,
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
)
from govnet.ipv6.live import (
    MissingDriver,
    UnexpectedOutput,
    _quiet_library_loggers,
    _require_napalm_driver,
    _root_error,
    failure_reason,
    run_per_host,
)
from govnet.templates.build import build_intents
from govnet.templates.intent import DeviceIntent
from govnet.templates.render import render_design
from govnet.yamlio import write_atomically

BACKUP_SUFFIX = ".cfg"

PushStatus = Literal["unchanged", "would change", "committed", "rolled back", "failed", "skipped"]
FAILING: frozenset[str] = frozenset({"rolled back", "failed"})


# --- reports


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HostPush(_Frozen):
    host: str
    platform: str = ""
    status: PushStatus
    diff: str = ""
    verification: VerifyResult | None = None
    reason: str = ""


class PushReport(_Frozen):
    commit: bool
    hosts: tuple[HostPush, ...]

    @property
    def ok(self) -> bool:
        """No host failed or was rolled back (the CLI exits non-zero otherwise)."""
        return all(host.status not in FAILING for host in self.hosts)


# --- verification

Verify = Callable[[Task], VerifyResult]


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
        device = task.host.get_connection(DEVICE_CONNECTION, task.nornir.config)
        platform = Platform(intent.platform)
        checks = [
            guarded(BGP_HOOKS[platform], "bgp", task, intent),
            check_loopbacks(intent, device.get_interfaces_ip()),
            guarded(ISIS_HOOKS[platform], "isis adjacencies", task, intent),
            guarded(SRV6_HOOKS[platform], "srv6 locator", task, intent),
        ]
        if loopbacks and intent.isis is not None:

            def routes(task: Task, intent: DeviceIntent) -> Check:
                wanted = loopback_prefixes(intent.hostname, loopbacks)
                routed = napalm_routed(device, wanted)
                return check_loopback_routes(intent.hostname, routed, loopbacks)

            checks.append(guarded(routes, "loopback routes", task, intent))
        return VerifyResult(checks=tuple(checks))

    return verify


# --- Nornir tasks


def _discard(device: Any, reason: str) -> str:
    """Discard the candidate; a failure to do so is added to the reason, never raised."""
    try:
        device.discard_config()
    except Exception as error:
        return f"{reason}; discard_config failed too: {failure_reason(error)}"
    return reason


def push_config(
    task: Task,
    config: str,
    commit: bool,
    verify: Verify | None = None,
    secrets: Mapping[str, str] | None = None,
    connection: str = DEVICE_CONNECTION,
    replace: bool = False,
) -> Result:
    """Nornir task: merge ``config`` (secrets already resolved) as a candidate and diff it;
    commit only with ``commit`` and a diff, then ``verify`` and roll back if it fails.
    ``secrets`` (placeholder -> value) masks the values out of the diff and reasons.
    ``connection`` names the Nornir connection (NAPALM, or the lab's ``frr_netns``, which has
    the same methods); ``replace`` loads the config as the whole device instead of merging."""
    host = task.host
    values = secrets or {}

    def outcome(
        status: PushStatus,
        diff: str = "",
        verification: VerifyResult | None = None,
        reason: str = "",
    ) -> Result:
        report = HostPush(
            host=host.name,
            platform=host.platform or "",
            status=status,
            diff=mask_secrets(diff, values),
            verification=verification,
            reason=mask_secrets(reason, values),
        )
        return Result(host=host, result=report, failed=status in FAILING)

    try:
        device = host.get_connection(connection, task.nornir.config)
    except Exception as error:
        return outcome("failed", reason=failure_reason(error))
    diff = ""
    try:
        if replace:
            device.load_replace_candidate(config=config)
        else:
            device.load_merge_candidate(config=config)
        diff = str(device.compare_config() or "")
        if not commit or not diff.strip():
            device.discard_config()
            return outcome("would change" if diff.strip() else "unchanged", diff)
        device.commit_config()
    except Exception as error:
        return outcome("failed", diff, reason=_discard(device, failure_reason(error)))
    if verify is None:
        return outcome("committed", diff)
    try:
        verification = verify(task)
    except Exception as error:
        verification = VerifyResult(
            checks=(Check(name="verification", status="failed", detail=failure_reason(error)),)
        )
    if verification.ok:
        return outcome("committed", diff, verification)
    try:
        device.rollback()
    except Exception as error:
        return outcome(
            "failed",
            diff,
            verification,
            f"verification failed and rollback failed ({failure_reason(error)}): "
            "the change is still committed",
        )
    return outcome(
        "rolled back", diff, verification, f"verification failed: {verification.summary()}"
    )


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
) -> PushReport:
    """Render every host of ``nornir`` that the design has, resolve its secrets, then push
    (dry run unless ``commit``) and, after a commit, verify against its intent. A host that
    cannot be prepared (unknown to the design, missing secret, no NAPALM driver) is reported
    without any connection being opened; a render error of any host stops everything."""
    _quiet_library_loggers()
    environ = os.environ if environ is None else environ
    names = sorted(nornir.inventory.hosts)
    reports: dict[str, HostPush] = {}
    wanted = [name for name in names if name in design.hosts]
    for name in set(names) - set(wanted):
        reports[name] = HostPush(host=name, status="skipped", reason="not in the design")
    configs = {c.hostname: c for c in render_design(design, graph, wanted)} if wanted else {}
    intents = build_intents(design, graph, wanted) if commit and wanted else {}
    ready: dict[str, tuple[str, dict[str, str]]] = {}
    for name in wanted:
        config = configs[name]
        why = _napalm_ready(config.platform)
        try:
            values = secret_values(config.text, environ)
        except UnresolvedSecrets as error:
            why = why or str(error)
        if why:
            reports[name] = HostPush(
                host=name, platform=config.platform, status="failed", reason=why
            )
            continue
        ready[name] = (resolve_secrets(config.text, environ), values)
    if ready:
        loopbacks = design_loopbacks(design, graph)
        verifiers = {name: verifier(intent, loopbacks) for name, intent in intents.items()}
        reports.update(push_ready(nornir, ready, commit, verifiers, progress))
    return PushReport(commit=commit, hosts=tuple(reports[name] for name in sorted(reports)))


def push_ready(
    nornir: Nornir,
    ready: Mapping[str, tuple[str, dict[str, str]]],
    commit: bool,
    verifiers: Mapping[str, Verify],
    progress: Progress | None,
    connection: str = DEVICE_CONNECTION,
    replace: bool = False,
) -> dict[str, HostPush]:
    """Push ``ready`` (host -> config with secrets resolved, and the secret values to mask)
    to those hosts of ``nornir``, each on its own; a host without a verifier is not verified."""
    bar = None if progress is None else progress.add_task("pushing", total=len(ready))

    def step(task: Task) -> Result:
        try:
            text, values = ready[task.host.name]
            verify = verifiers.get(task.host.name)
            return push_config(task, text, commit, verify, values, connection, replace)
        finally:
            if progress is not None and bar is not None:
                progress.update(bar, advance=1, description=task.host.name)

    selected = nornir.filter(filter_func=lambda host: host.name in ready)
    try:
        results = selected.run(task=step, name="govnet push", on_failed=True)
    finally:
        selected.close_connections(on_good=True, on_failed=True)
    reports: dict[str, HostPush] = {}
    for name, result in results.items():
        outcome = result[0].result if len(result) else None
        if isinstance(outcome, HostPush):
            reports[name] = outcome
            continue
        error = _root_error(result)
        reason = failure_reason(error) if error else "failed"
        reports[name] = HostPush(
            host=name, status="failed", reason=mask_secrets(reason, ready[name][1])
        )
    return reports


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


# --- tables

STATUS_STYLE = {
    "unchanged": "dim",
    "would change": "yellow",
    "committed": "green",
    "rolled back": "red",
    "failed": "bold red",
    "skipped": "dim",
}


def push_tables(report: PushReport) -> list[Table]:
    """A summary (one row per host) and, when any host has one, a table of the diffs."""
    title = "push (commit)" if report.commit else "push (dry run: nothing committed)"
    summary = Table(title=title)
    for column in ("host", "platform", "status", "verification", "reason"):
        summary.add_column(column)
    for host in report.hosts:
        verification = "" if host.verification is None else host.verification.summary()
        summary.add_row(
            host.host,
            host.platform,
            Text(host.status, style=STATUS_STYLE[host.status]),
            verification,
            host.reason,
        )
    with_diff = [host for host in report.hosts if host.diff.strip()]
    if not with_diff:
        return [summary]
    diffs = Table(title="diffs against the running config", show_lines=True)
    diffs.add_column("host")
    diffs.add_column("diff")
    for host in with_diff:
        diffs.add_row(host.host, Text(host.diff.rstrip("\n")))
    return [summary, diffs]


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
