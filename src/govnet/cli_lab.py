"""``govnet lab …``: the FRR lab in network namespaces (up, push, verify, cut, restore,
failover, status, down) and the containerlab export."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from govnet.cli_common import (
    DesignOption,
    DistrictOption,
    FilterOption,
    HostSelection,
    HostsOption,
    JsonOption,
    RingOption,
    RoleOption,
    emit_json,
    err,
    load_or_exit,
    out,
    render_errors,
    select_hosts,
    titled_table,
)
from govnet.cli_examples import examples
from govnet.cli_lab_common import DEFAULT_LAB_STATE, SettleOption, StateOption, lab_state
from govnet.cli_rollout import (
    AllowDegradedOption,
    BatchSizeOption,
    CanaryOption,
    ConfirmTimeoutOption,
    MaxFailuresOption,
    print_push_report,
    rollout_or_exit,
)

lab_app = typer.Typer(
    help="The lab: FRR routers in network namespaces, and a containerlab export.",
    no_args_is_help=True,
)


ScopeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--scope",
        "--ring",
        metavar="RING|DEVICE[,…]",
        help="The metro cores plus these first-level rings or devices (a bureau CE, say; "
        "repeatable or comma-separated); default: every device of the design.",
    ),
]
TimeoutOption = Annotated[float, typer.Option(help="Seconds to wait for convergence.")]


def _scope(loaded: Any, rings: list[str] | None) -> set[str]:
    from govnet.labs.netns import LabError, core_and_rings

    if not rings:
        return set(loaded.hosts)
    try:
        return core_and_rings(loaded, [r for item in rings for r in item.split(",") if r])
    except LabError as error:
        err.print(f"lab: {error}", style="red", markup=False)
        raise typer.Exit(2) from None


def _progress() -> Progress:
    """A progress bar on a terminal; nothing when stderr is piped or redirected."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        disable=not err.is_terminal,
    )


def _verification_table(outcome: dict[str, Any], causes: dict[str, str] | None = None) -> Table:
    from govnet.inventory.verification import VerifyResult

    names = ("isis adjacencies", "bgp", "loopback routes", "srv6 locator", "ce management")
    columns = (*names, "likely cause") if causes is not None else names
    table = titled_table(f"lab verify: {len(outcome)} routers", "router", *columns)
    for host, result in outcome.items():
        cause_cell = () if causes is None else (causes.get(host, ""),)
        if not isinstance(result, VerifyResult):
            table.add_row(host, f"[red]{result}[/red]", "", "", "", "", *cause_cell)
            continue
        checks = {c.name: c for c in result.checks}
        cells = []
        for name in names:
            check = checks.get(name)
            if check is None:
                cells.append("-")
            elif check.status == "failed":
                cells.append(f"[red]{check.detail}[/red]")
            else:
                cells.append(check.status)
        table.add_row(host, *cells, *cause_cell)
    return table


@lab_app.command("up", epilog=examples("lab up"))
def lab_up(
    design: DesignOption = None,
    rings: ScopeOption = None,
    state: StateOption = DEFAULT_LAB_STATE,
    timeout: TimeoutOption = 120.0,
    as_json: JsonOption = False,
) -> None:
    """Bring up the design (or a scope of it) as FRR routers in network namespaces, push the
    rendered lab configs through Nornir, wait until every router routes to every loopback,
    then verify every router. Exit 1 if anything fails."""
    from govnet.inventory.verification import outcome_json
    from govnet.labs.netns import LabError
    from govnet.labs.workflow import bring_up
    from govnet.topology.graph import build_graph

    loaded = load_or_exit(design)
    graph = build_graph(loaded)
    scope = _scope(loaded, rings)
    state.parent.mkdir(parents=True, exist_ok=True)
    try:
        with render_errors(), _progress() as progress:
            report = bring_up(loaded, graph, scope, state, timeout, progress)
    except LabError as error:
        err.print(f"lab: {error}", style="red", markup=False)
        raise typer.Exit(1) from None
    timings = {
        "routers": report.routers,
        "started_s": round(report.started_s, 2),
        "pushed_s": round(report.pushed_s, 2),
        "converged_s": round(report.converged_s, 2),
        "verified_s": round(report.verified_s, 2),
        "total_s": round(report.total_s, 2),
        "failed": report.failed,
    }
    if as_json:
        emit_json(
            {**timings, "verification": outcome_json(report.verification)}, ok=not report.failed
        )
    else:
        if report.failed:
            out.print(_verification_table(report.verification))
        out.print(
            f"lab up: {report.routers} routers started in {report.started_s:.1f} s, configs "
            f"pushed through Nornir in {report.pushed_s:.1f} s, converged {report.converged_s:.1f} s "
            f"later, verified in {report.verified_s:.1f} s (total {report.total_s:.1f} s; state: "
            f"{state})"
        )
    if report.failed:
        err.print(f"verification failed on: {', '.join(report.failed)}", style="red")
        raise typer.Exit(1)


@lab_app.command("push", epilog=examples("lab push"))
def lab_push_command(
    design: DesignOption = None,
    state: StateOption = DEFAULT_LAB_STATE,
    commit: Annotated[bool, typer.Option("--commit", help="Apply (default: diff only).")] = False,
    hosts: HostsOption = None,
    filters: FilterOption = None,
    roles: RoleOption = None,
    districts: DistrictOption = None,
    rings: RingOption = None,
    confirm_timeout: ConfirmTimeoutOption = 300,
    settle: SettleOption = 20.0,
    canary: CanaryOption = 1,
    batch_size: BatchSizeOption = 0,
    max_failures: MaxFailuresOption = 1,
    allow_degraded: AllowDegradedOption = False,
    as_json: JsonOption = False,
) -> None:
    """Render the lab configs and deliver them to the running lab through Nornir exactly as
    `govnet push` delivers to devices: the diff per router (frr-reload.py); with --commit,
    baseline, canary, batches, commit-confirmed, drift check and verification over a fresh
    connection, then confirm or roll back each router by the differential verdict."""
    from govnet.labs.netns import management_paths
    from govnet.labs.nornir_lab import lab_nornir
    from govnet.labs.workflow import deliver_to_lab
    from govnet.topology.graph import build_graph

    rollout = rollout_or_exit(
        confirm_timeout, settle, canary, batch_size, max_failures, allow_degraded
    )
    lab = lab_state(state)
    loaded = load_or_exit(design, as_json)
    graph = build_graph(loaded)
    selection = HostSelection(hosts, filters, roles, districts, rings)
    names = [n for n in selection.names(loaded) if n in lab.routers]
    nornir = lab_nornir({n: lab.routers[n] for n in names}, management=management_paths(lab))
    with render_errors(), _progress() as progress:
        report = deliver_to_lab(loaded, graph, lab, nornir, commit, rollout, settle, progress)
    print_push_report(report, as_json)


@lab_app.command("verify", epilog=examples("lab verify"))
def lab_verify_command(
    design: DesignOption = None,
    state: StateOption = DEFAULT_LAB_STATE,
    settle: Annotated[
        float, typer.Option(help="Retry failing routers for up to this many seconds.")
    ] = 0.0,
    hosts: HostsOption = None,
    filters: FilterOption = None,
    roles: RoleOption = None,
    districts: DistrictOption = None,
    rings: RingOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every lab router against its intent (limited to the lab): IS-IS adjacencies, BGP to
    both route reflectors in every address family, a route to every loopback, the SRv6
    locator; a failing router whose failures all point at routers that are down names them
    as the likely cause. Exit 1 on any failure."""
    from govnet.inventory.judgement import likely_causes
    from govnet.inventory.verification import failed_hosts, outcome_json
    from govnet.labs.netns import management_paths
    from govnet.labs.nornir_lab import lab_nornir, lab_verify
    from govnet.labs.workflow import lab_intents
    from govnet.topology.graph import build_graph

    lab = lab_state(state)
    loaded = load_or_exit(design, as_json)
    selection = HostSelection(hosts, filters, roles, districts, rings)
    names = [n for n in selection.names(loaded) if n in lab.routers]
    intents = lab_intents(loaded, build_graph(loaded), lab)
    with _progress() as progress:
        paths = management_paths(lab)
        nornir = lab_nornir({n: lab.routers[n] for n in names}, management=paths)
        outcome = lab_verify(nornir, intents, lab.loopbacks, settle, progress, paths)
    causes = likely_causes(outcome)
    if as_json:
        emit_json(outcome_json(outcome, causes), ok=not failed_hosts(outcome))
    else:
        out.print(_verification_table(outcome, causes))
    if failed_hosts(outcome):
        raise typer.Exit(1)


LinkArgument = Annotated[
    str, typer.Argument(help="A link key of the design (see topology/links.yaml).")
]
ModeOption = Annotated[
    str, typer.Option("--mode", help="carrier (the link goes down) or silent (frames lost).")
]


def _mode(mode: str) -> Any:
    if mode not in ("carrier", "silent"):
        err.print(f"--mode must be carrier or silent, not {mode!r}", style="red")
        raise typer.Exit(2)
    return mode


@lab_app.command("cut", epilog=examples("lab cut"))
def lab_cut(
    link: LinkArgument,
    state: StateOption = DEFAULT_LAB_STATE,
    mode: ModeOption = "carrier",
    as_json: JsonOption = False,
) -> None:
    """Cut one link of the running lab (recorded; `lab restore` undoes it)."""
    from govnet.labs.faults import cut
    from govnet.labs.netns import LabError

    try:
        veth = cut(lab_state(state), link, _mode(mode))
    except LabError as error:
        err.print(f"lab: {error}", style="red", markup=False)
        raise typer.Exit(1) from None
    if as_json:
        emit_json({"link": link, "mode": mode, "veth": asdict(veth)})
        return
    out.print(f"cut {link} ({mode}): {veth.a} {veth.a_if} - {veth.b} {veth.b_if}")


@lab_app.command("restore", epilog=examples("lab restore"))
def lab_restore(
    link: LinkArgument, state: StateOption = DEFAULT_LAB_STATE, as_json: JsonOption = False
) -> None:
    """Undo the cut of one link."""
    from govnet.labs.faults import restore
    from govnet.labs.netns import LabError

    try:
        veth = restore(lab_state(state), link)
    except LabError as error:
        err.print(f"lab: {error}", style="red", markup=False)
        raise typer.Exit(1) from None
    if as_json:
        emit_json({"link": link, "veth": asdict(veth)})
        return
    out.print(f"restored {link}: {veth.a} {veth.a_if} - {veth.b} {veth.b_if}")


@lab_app.command("failover", epilog=examples("lab failover"))
def lab_failover(
    links: Annotated[
        list[str], typer.Argument(metavar="LINK…", help="Link keys to cut one after the other.")
    ],
    state: StateOption = DEFAULT_LAB_STATE,
    mode: Annotated[
        list[str] | None,
        typer.Option("--mode", metavar="MODE", help="carrier and/or silent (default both)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Measure the outage of each cut: pings every 50 ms from one end's loopback to the other
    end's loopback across the cut (rerouted around the ring), the link restored afterwards."""

    from govnet.labs.faults import failover
    from govnet.labs.netns import LabError, wait_converged

    lab = lab_state(state)
    modes = [_mode(m) for m in (mode or ["carrier", "silent"])]
    results = []
    try:
        for link in links:
            for each in modes:
                results.append(failover(lab, link, each))
                wait_converged(lab, 60)
    except LabError as error:
        err.print(f"lab: {error}", style="red", markup=False)
        raise typer.Exit(1) from None
    if as_json:
        emit_json([asdict(r) for r in results])
        return
    table = titled_table(
        "failover (pings every 50 ms)",
        "link",
        "mode",
        "from",
        "to",
        "sent",
        "received",
        "outage ms",
    )
    for r in results:
        table.add_row(
            r.link,
            r.mode,
            r.source,
            r.destination,
            str(r.sent),
            str(r.received),
            f"{r.outage_ms:.0f}",
        )
    out.print(table)


@lab_app.command("down", epilog=examples("lab down"))
def lab_down(state: StateOption = DEFAULT_LAB_STATE, as_json: JsonOption = False) -> None:
    """Stop every daemon and remove every namespace the lab recorded (also after a crash)."""
    from govnet.labs.netns import LabState, down

    routers = sorted(LabState.load(state).routers)
    down(state)
    if as_json:
        emit_json({"state": str(state), "stopped": routers})
        return
    out.print(f"lab down ({len(routers)} routers stopped)" if routers else "lab down (no lab)")


@lab_app.command("status", epilog=examples("lab status"))
def lab_status(state: StateOption = DEFAULT_LAB_STATE, as_json: JsonOption = False) -> None:
    """Each router of the lab: its namespace and each daemon alive or dead, read now (FRR's
    pid files checked against the running processes: a daemon watchfrr restarted has a new
    PID). Exit 1 when any router is not whole."""
    from govnet.labs.netns import status

    lab_state(state)  # no lab: say so, exit 1
    routers = status(state)
    if as_json:
        emit_json(
            [
                {
                    "device": r.device,
                    "namespace": r.namespace,
                    "healthy": r.healthy,
                    "daemons": r.daemons,
                    "pids": r.pids,
                }
                for r in routers
            ],
            ok=all(r.healthy for r in routers),
        )
    else:
        table = titled_table(
            f"lab: {len(routers)} routers", "device", "namespace", "healthy", "daemons"
        )
        for r in routers:
            daemons = ", ".join(
                f"{d} {pid}" if pid is not None else f"[red]{d} dead[/red]"
                for d, pid in r.pids.items()
            )
            table.add_row(
                r.device,
                r.namespace,
                "yes" if r.healthy else "[red]no[/red]",
                daemons if r.namespace_exists else "[red]namespace gone[/red]",
            )
        out.print(table)
    if not all(r.healthy for r in routers):
        raise typer.Exit(1)


@lab_app.command("export-clab", epilog=examples("lab export-clab"))
def lab_export_clab(
    out_file: Annotated[
        Path,
        typer.Option("--out", "-o", help="Topology file to write (.clab.yml).", dir_okay=False),
    ],
    design: DesignOption = None,
    configs: Annotated[
        Path,
        typer.Option(
            "--configs", help="Where `govnet render --lab` wrote the configs.", file_okay=False
        ),
    ] = Path("build/configs"),
    frr_everywhere: Annotated[
        bool,
        typer.Option(
            "--frr-everywhere", help="Every node FRR on kind linux (runs without vendor images)."
        ),
    ] = False,
    hosts: Annotated[
        list[str] | None,
        typer.Option("--hosts", metavar="NAME[,NAME…]", help="Only these devices (the scope)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """A containerlab topology: kinds by platform, startup configs pointing at the rendered
    configs, endpoints by interface names. Renders the configs into --configs first."""
    from govnet.labs.clab import clab_topology, write_clab
    from govnet.templates.render import render_design, write_configs
    from govnet.topology.graph import build_graph

    loaded = load_or_exit(design, as_json)
    graph = build_graph(loaded)
    with render_errors():
        write_configs(configs, render_design(loaded, graph, lab=True))
    scope = set(select_hosts(loaded, None, hosts)) if hosts else None
    out_file.parent.mkdir(parents=True, exist_ok=True)
    topology = clab_topology(
        loaded,
        graph,
        configs.resolve(),
        scope=scope,
        frr_everywhere=frr_everywhere,
        base=out_file.parent.resolve(),
    )
    path = write_clab(topology, out_file)
    nodes = topology["topology"]["nodes"]
    links = topology["topology"]["links"]
    if as_json:
        emit_json({"out": str(path), "nodes": len(nodes), "links": len(links)})
        return
    out.print(f"wrote {path}: {len(nodes)} nodes, {len(links)} links")


def _register_rehearsal() -> None:
    from govnet.cli_lab_rehearse import rehearse_migration_command
    from govnet.cli_lab_tools import connect, exec_command, inventory

    lab_app.command("rehearse-migration", epilog=examples("lab rehearse-migration"))(
        rehearse_migration_command
    )
    lab_app.command("connect", epilog=examples("lab connect"))(connect)
    lab_app.command("exec", epilog=examples("lab exec"))(exec_command)
    lab_app.command("inventory", epilog=examples("lab inventory"))(inventory)


_register_rehearsal()
