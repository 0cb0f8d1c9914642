"""``govnet lab …``: the FRR lab in network namespaces (up, push, verify, cut, restore,
failover, status, down) and the containerlab export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govnet.cli_common import (
    DesignOption,
    JsonOption,
    emit_json,
    err,
    load_or_exit,
    out,
    render_errors,
    select_hosts,
    titled_table,
)

lab_app = typer.Typer(
    help="The lab: FRR routers in network namespaces, and a containerlab export.",
    no_args_is_help=True,
)


StateOption = Annotated[
    Path,
    typer.Option(
        "--state", help="The lab's state file (what it started, to tear it down).", dir_okay=False
    ),
]
DEFAULT_LAB_STATE = Path("build/lab/state.json")


@lab_app.command("up")
def lab_up(
    design: DesignOption = None,
    rings: Annotated[
        list[str] | None,
        typer.Option(
            "--ring",
            help="Scope: the metro cores plus these first-level rings (repeatable); default all devices.",
        ),
    ] = None,
    state: StateOption = DEFAULT_LAB_STATE,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for convergence.")] = 120.0,
) -> None:
    """Bring up the design (or a scope of it) as FRR routers in network namespaces, load the
    rendered lab configs, and wait until every router routes to every loopback."""
    import time

    from govnet.labs.netns import LabError, core_and_rings, lab_plan, up, wait_converged
    from govnet.templates.render import render_design
    from govnet.topology.graph import build_graph

    loaded = load_or_exit(design)
    graph = build_graph(loaded)
    scope = (
        core_and_rings(loaded, [r for item in rings for r in item.split(",")])
        if rings
        else set(loaded.hosts)
    )
    with render_errors():
        configs = {
            c.hostname: c.text
            for c in render_design(loaded, graph, sorted(scope), lab=True)
            if c.path.parts[0] == "lab"
        }
    state.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        with err.status(f"starting {len(scope)} routers"):
            lab = up(lab_plan(loaded, graph, scope), configs, state)
        brought_up = time.perf_counter() - started
        with err.status("waiting for convergence"):
            converged = wait_converged(lab, timeout)
    except LabError as error:
        err.print(f"lab: {error}", style="red", markup=False)
        raise typer.Exit(1) from None
    out.print(
        f"lab up: {len(scope)} routers in {brought_up:.1f} s, converged {converged:.1f} s later (state: {state})"
    )


@lab_app.command("down")
def lab_down(state: StateOption = DEFAULT_LAB_STATE) -> None:
    """Stop every daemon and remove every namespace the lab recorded (also after a crash)."""
    from govnet.labs.netns import down

    down(state)
    out.print("lab down")


@lab_app.command("status")
def lab_status(state: StateOption = DEFAULT_LAB_STATE, as_json: JsonOption = False) -> None:
    """Each router of the lab: its namespace and whether its daemons run."""
    from govnet.labs.netns import status

    routers = status(state)
    if as_json:
        emit_json(
            [
                {
                    "device": r.device,
                    "namespace": r.namespace,
                    "healthy": r.healthy,
                    "daemons": r.daemons,
                }
                for r in routers
            ]
        )
        return
    table = titled_table(
        f"lab: {len(routers)} routers", "device", "namespace", "healthy", "daemons"
    )
    for r in routers:
        table.add_row(
            r.device,
            r.namespace,
            "yes" if r.healthy else "[red]no[/red]",
            ", ".join(sorted(r.daemons)),
        )
    out.print(table)
    if not all(r.healthy for r in routers):
        raise typer.Exit(1)


@lab_app.command("export-clab")
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
        list[str] | None, typer.Option("--hosts", help="Only these devices (the scope).")
    ] = None,
) -> None:
    """A containerlab topology: kinds by platform, startup configs pointing at the rendered
    configs, endpoints by interface names. Renders the configs into --configs first."""
    from govnet.labs.clab import clab_topology, write_clab
    from govnet.templates.render import render_design, write_configs
    from govnet.topology.graph import build_graph

    loaded = load_or_exit(design)
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
    out.print(f"wrote {path}: {len(nodes)} nodes, {len(topology['topology']['links'])} links")
