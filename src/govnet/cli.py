"""The ``govnet`` command line. Every command takes ``--design DIR`` (default: ``$GOVNET_DESIGN``,
else the current directory if it is a design, else the embedded reference design).

Exit codes: 0 success, 1 a check failed, 2 the design (or the command line) is wrong.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from govnet.cli_call import call
from govnet.cli_common import (
    EXIT_DESIGN_ERROR,
    DesignOption,
    DistrictOption,
    FilterOption,
    HostSelection,
    HostsOption,
    JsonOption,
    RingOption,
    RoleOption,
    abbreviated,
    emit_json,
    err,
    load_or_exit,
    out,
    print_problems,
    render_errors,
    select_hosts,
    titled_table,
)
from govnet.cli_cutover import cutover
from govnet.cli_diff import diff
from govnet.cli_examples import examples
from govnet.cli_lab import lab_app
from govnet.cli_migrate import migrate_app
from govnet.cli_rollout import (
    AllowDegradedOption,
    BatchSizeOption,
    CanaryOption,
    ConfirmTimeoutOption,
    MaxFailuresOption,
    print_push_report,
    rollout_or_exit,
)
from govnet.design import Design, default_design_path, reference_design_path
from govnet.inventory.platforms import Platform
from govnet.topology.addressing import PoolKind

app = typer.Typer(
    name="govnet",
    rich_markup_mode=None,
    help="Design, configure, verify and migrate to IPv6 a city e-government extranet.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
generate_app = typer.Typer(help="Write synthetic designs for scale work.", no_args_is_help=True)
app.add_typer(generate_app, name="generate")
app.add_typer(lab_app, name="lab")
app.add_typer(migrate_app, name="migrate")
app.command("call", epilog=examples("call"))(call)
app.command("diff", epilog=examples("diff"))(diff)
app.command("cutover", epilog=examples("cutover"))(cutover)
ipv6_app = typer.Typer(help="IPv6 migration: coverage, waves, history.", no_args_is_help=True)
app.add_typer(ipv6_app, name="ipv6")
check_app = typer.Typer(
    help="Check what the network must guarantee (the policies in checks/policies.yaml; "
    "`check zones` for zone isolation).",
    invoke_without_command=True,
    epilog=examples("check"),
)
app.add_typer(check_app, name="check")


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"govnet {version('govnet')}")
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Design, configure, verify and migrate to IPv6 a city e-government extranet."""


@app.command(epilog=examples("validate"))
def validate(
    design: DesignOption = None,
    as_json: JsonOption = False,
    locked: Annotated[
        bool, typer.Option("--locked", help="Fail if the address lock file is not up to date.")
    ] = False,
) -> None:
    """Load and check a design — its YAML, templates, feature matrix and lint rules: exit 0 if
    it is valid, 2 with every problem if not."""
    from govnet.checks.artifacts import artifact_problems
    from govnet.topology.graph import build_graph

    loaded = load_or_exit(design, as_json)
    broken = artifact_problems(loaded, build_graph(loaded))
    if broken:
        if as_json:
            emit_json(
                {"design": str(loaded.root), "valid": False},
                ok=False,
                problems=[*broken, *loaded.warnings],
            )
        print_problems(broken)
        err.print(f"{len(broken)} error(s) in design {loaded.root}", style="bold red")
        raise typer.Exit(EXIT_DESIGN_ERROR)
    stale = loaded.locks_changed
    if as_json:
        emit_json(
            {
                "design": str(loaded.root),
                "valid": not (locked and stale),
                "lock": loaded.lock_diff.summary(),
            },
            ok=not (locked and stale),
            problems=loaded.warnings,
        )
    else:
        print_problems(loaded.warnings)
        out.print(
            f"[green]valid[/green]: {loaded.network.name} — {len(loaded.hosts)} devices, "
            f"{len(loaded.links)} links, {len(loaded.rings)} rings, {len(loaded.vpns)} VPNs"
        )
        lock_style = "yellow" if stale else "green"
        out.print(f"address lock: [{lock_style}]{loaded.lock_diff.summary()}[/{lock_style}]")
    if locked and stale:
        err.print("the address lock is out of date: run `govnet lock`", style="red")
        raise typer.Exit(EXIT_DESIGN_ERROR)


@app.command(epilog=examples("lock"))
def lock(
    design: DesignOption = None,
    renumber: Annotated[
        list[PoolKind] | None,
        typer.Option(
            metavar="POOL",
            help="Renumber every allocation of this pool (after a planned pool change; "
            f"one of: {', '.join(k.value for k in PoolKind)}).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Allocate addresses for new devices and links and record them in the lock file."""
    from govnet.topology.addressing import LOCK_FILE, write_lock

    loaded = load_or_exit(design, as_json, renumber=frozenset(renumber or ()))
    written: list[str] = []
    if loaded.ipv6_plan is not None and loaded.ipv6_plan.lock_changed:
        written.append(str(loaded.ipv6_plan.write_lock(loaded.root)))
    if loaded.lock_diff.changed or not (loaded.root / LOCK_FILE).is_file():
        written.append(str(write_lock(loaded.root, loaded.addressing)))
    summary = loaded.lock_diff.summary()
    if as_json:
        emit_json({"design": str(loaded.root), "written": written, "lock": summary})
        return
    for path in written:
        out.print(f"wrote {path}" + (f" ({summary})" if path.endswith(LOCK_FILE) else ""))
    if not written:
        out.print(f"{LOCK_FILE}: up to date")


@app.command(epilog=examples("show"))
def show(design: DesignOption = None, as_json: JsonOption = False) -> None:
    """Layers, rings with members and lengths, districts, platform mix, counts."""
    from govnet.topology.graph import build_graph
    from govnet.topology.summary import summarize

    loaded = load_or_exit(design, as_json)
    summary = summarize(loaded, build_graph(loaded))
    if as_json:
        emit_json(summary)
        return
    _print_summary(summary)


def _print_summary(summary: dict[str, Any]) -> None:
    net, counts = summary["network"], summary["counts"]
    out.print(
        f"[bold]{net['name']}[/bold] {net['name_zh'] or ''}  AS{net['asn']}  transport {net['transport']}"
    )
    out.print(
        f"{counts['devices']} devices, {counts['peers']} peers, {counts['sites']} sites "
        f"({counts['towns']} towns/streets/parks) in {counts['districts']} districts; "
        f"{counts['links']} links + {counts['uplinks']} uplinks, {counts['fiber_km']} km of fiber "
        f"in {counts['ducts']} ducts; {counts['first_level_rings']} first-level rings, "
        f"{counts['access_rings']} access rings; {counts['vpns']} VPNs; "
        f"{counts['demand_total_mbps']:.0f} Mb/s of demand"
    )
    layers = titled_table("Layers", "layer", "# devices")
    for layer, count in summary["layers"].items():
        layers.add_row(layer, str(count))
    platforms = titled_table("Platforms", "platform", "# devices", "%")
    for platform, count in summary["platforms"].items():
        platforms.add_row(platform, str(count), f"{100 * count / counts['devices']:.0f}")
    out.print(layers, platforms)
    rings = titled_table("First-level rings", "ring", "closes on", "# towns", "km", "members")
    for ring in summary["rings"]:
        name = ring["name"] + (f" {ring['name_zh']}" if ring["name_zh"] else "")
        rings.add_row(
            name,
            " / ".join(ring["closes_on"]),
            str(ring["nodes"]),
            f"{ring['length_km']:.1f}",
            ", ".join(ring["members"]),
        )
    out.print(rings)
    if summary["access_rings"]["count"]:
        access = summary["access_rings"]
        out.print(
            f"access rings: {access['count']} ({access['min_nodes']}–{access['max_nodes']} nodes each)"
        )
    districts = titled_table("Districts", "district", "# sites", "# devices", "towns")
    for district in summary["districts"]:
        name = district["name"] + (f" {district['name_zh']}" if district["name_zh"] else "")
        towns = district["towns"]
        shown = abbreviated(towns, 12)
        districts.add_row(name, str(district["sites"]), str(district["devices"]), shown)
    out.print(districts)
    pools = titled_table("Address pools", "pool", "prefix", "used", "usable", "%")
    for kind, pool in summary["pools"].items():
        pools.add_row(
            kind,
            f"{pool['prefix']} → /{pool['length']}",
            f"{pool['used']:,}",
            _count(pool["usable"]),
            f"{pool['percent']:.1f}",
        )
    out.print(pools)
    zones = ", ".join(f"{zone} {n}" for zone, n in summary["vpns_by_zone"].items())
    out.print(f"VPNs by zone: {zones}; address lock: {summary['lock']}")


@app.command(epilog=examples("render"))
def render(
    design: DesignOption = None,
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Output directory.", file_okay=False)
    ] = Path("build/configs"),
    platform: Annotated[
        list[Platform] | None,
        typer.Option(
            "--platform",
            "-p",
            metavar="PLATFORM",
            help=f"Only devices of this platform ({', '.join(p.value for p in Platform)}).",
        ),
    ] = None,
    hosts: HostsOption = None,
    filters: FilterOption = None,
    roles: RoleOption = None,
    districts: DistrictOption = None,
    rings: RingOption = None,
    lab: Annotated[
        bool, typer.Option("--lab", help="Also render every device as FRR for the live lab.")
    ] = False,
    as_intent: Annotated[
        bool, typer.Option("--intent", help="Print the intents as JSON; write nothing.")
    ] = False,
    locked: Annotated[
        bool, typer.Option("--locked", help="Fail instead of updating a stale address lock.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Render one config per device in its platform's syntax (deterministic)."""
    from govnet.templates.build import build_intents
    from govnet.templates.render import intent_json, render_design, write_configs
    from govnet.topology.addressing import write_lock
    from govnet.topology.graph import build_graph

    loaded = load_or_exit(design, as_json)
    selected = HostSelection(hosts, filters, roles, districts, rings).names(loaded, platform)
    if loaded.locks_changed:
        if locked:
            err.print("the address lock is out of date: run `govnet lock`", style="red")
            raise typer.Exit(EXIT_DESIGN_ERROR)
        write_lock(loaded.root, loaded.addressing)
        if loaded.ipv6_plan is not None and loaded.ipv6_plan.lock_changed:
            loaded.ipv6_plan.write_lock(loaded.root)
        err.print(f"address locks updated ({loaded.lock_diff.summary()})")
    graph = build_graph(loaded)
    if as_intent:
        emit_json({n: intent_json(i) for n, i in build_intents(loaded, graph, selected).items()})
        return
    with render_errors():
        configs = render_design(loaded, graph, selected, lab=lab)
    written = write_configs(out_dir, configs)
    notes = [n for c in configs for n in c.notes]
    if as_json:
        changed = {str(path) for path in written}
        emit_json(
            {
                "out": str(out_dir),
                "configs": [
                    {
                        "host": c.hostname,
                        "platform": c.platform,
                        "path": str(out_dir / c.path),
                        "changed": any(p.startswith(str(out_dir / c.path)) for p in changed),
                    }
                    for c in configs
                ],
                "notes": notes,
            }
        )
        return
    out.print(f"rendered {len(configs)} configs into {out_dir} ({len(written)} changed)")
    for note in notes:
        err.print(f"warning: {note}", style="yellow")


@app.command(epilog=examples("lint"))
def lint(
    design: DesignOption = None,
    as_json: JsonOption = False,
    hosts: HostsOption = None,
    filters: FilterOption = None,
    roles: RoleOption = None,
    districts: DistrictOption = None,
    rings: RingOption = None,
) -> None:
    """Check the rendered configs against the 等保2.0 level-3 rules in checks/lint/; exit 1 on
    any failure, printing device, clause and evidence."""
    from govnet.checks.ce_reachability import ce_paths
    from govnet.checks.lint import (
        inband_management,
        inband_path_findings,
        lint_configs,
        load_rules,
        management_addresses,
    )
    from govnet.templates.build import build_intents
    from govnet.templates.render import render_design
    from govnet.topology.graph import build_graph

    loaded = load_or_exit(design, as_json)
    selected = HostSelection(hosts, filters, roles, districts, rings).names(loaded)
    graph = build_graph(loaded)
    with render_errors():
        rules = load_rules([loaded.root, reference_design_path()])
        configs = render_design(loaded, graph, selected)
    findings = lint_configs(
        ((c.hostname, c.platform, c.text) for c in configs),
        rules,
        management_addresses(loaded.hosts),
        inband_management(loaded.hosts, loaded.network.management),
    )
    # a CE's path crosses its PEs and the backbone: judged on every device's intent
    chosen = set(selected)
    paths = ce_paths(build_intents(loaded, graph), [str(p) for p in loaded.network.management])
    findings += inband_path_findings(
        (p for p in paths if p.ce in chosen),
        {c.hostname: c.platform for c in configs},
        rules,
    )
    if as_json:
        emit_json(
            {"devices": len(configs), "findings": [f.as_dict() for f in findings]},
            ok=not findings,
        )
    elif findings:
        table = titled_table(
            f"等保2.0 lint: {len(findings)} finding(s)", "device", "clause", "rule", "evidence"
        )
        for f in findings:
            table.add_row(f.device, f.clause, f.rule, f.evidence)
        out.print(table)
    else:
        out.print(
            f"[green]lint clean[/green]: {len(configs)} configs, {sum(len(r) for r in rules.values())} rules"
        )
    if findings:
        raise typer.Exit(1)


@check_app.callback()
def check_policies(
    ctx: typer.Context,
    design: DesignOption = None,
    as_json: JsonOption = False,
) -> None:
    """Evaluate every policy of checks/policies.yaml: one row per violation (subject, policy,
    evidence); exit 1 if any fails."""
    if ctx.invoked_subcommand is not None:
        return
    from govnet.checks.policies import evaluate
    from govnet.topology.graph import build_graph

    loaded = load_or_exit(design, as_json)
    results = evaluate(loaded, build_graph(loaded), loaded.policies)
    violations = [v for r in results for v in r.violations]
    if as_json:
        emit_json({"policies": [r.model_dump() for r in results]}, ok=not violations)
    else:
        summary = titled_table("policies", "policy", "checked", "violations", "title")
        for r in results:
            style = "red" if r.violations else "green"
            summary.add_row(
                r.policy, str(r.checked), f"[{style}]{len(r.violations)}[/{style}]", r.title
            )
        out.print(summary)
        if violations:
            table = titled_table(f"{len(violations)} violation(s)", "subject", "policy", "evidence")
            for v in violations:
                table.add_row(v.subject, v.policy, v.evidence)
            out.print(table)
        elif not results:
            out.print("no policies in checks/policies.yaml")
    if violations:
        raise typer.Exit(1)


@check_app.command("zones", epilog=examples("check zones"))
def check_zones_command(design: DesignOption = None, as_json: JsonOption = False) -> None:
    """Zone isolation from the rendered intent: each department VPN imports only its own routes
    (and shared services where the design says so); only the Internet VPN imports the Internet
    zone; nothing leaks between departments. Exit 1 on any violation."""
    from govnet.checks.zones import check_zones
    from govnet.templates.build import build_intents
    from govnet.topology.graph import build_graph

    loaded = load_or_exit(design, as_json)
    intents = build_intents(loaded, build_graph(loaded))
    violations = check_zones(loaded, intents)
    vrfs = sum(len(i.vrfs) for i in intents.values())
    if as_json:
        emit_json(
            {"vrfs": vrfs, "violations": [v.as_dict() for v in violations]}, ok=not violations
        )
    elif violations:
        table = titled_table(
            f"zone isolation: {len(violations)} violation(s)",
            "device",
            "VRF",
            "imports",
            "from",
            "why",
        )
        for v in violations:
            table.add_row(v.device, v.vrf, v.route_target, v.source, v.reason)
        out.print(table)
    else:
        out.print(f"[green]zones isolated[/green]: {vrfs} VPN instances on {len(intents)} devices")
    if violations:
        raise typer.Exit(1)


@app.command(epilog=examples("failures"))
def failures(
    design: DesignOption = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope", metavar="SCOPE", help="single, node, srlg, double or all (repeatable)."
        ),
    ] = None,
    as_json: JsonOption = False,
    top: Annotated[
        int, typer.Option("--top", min=0, metavar="N", help="Rows per table (0: all).")
    ] = 20,
    engine: Annotated[
        str, typer.Option("--engine", help="local, or dask to run chunks on a Dask cluster.")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (default: a local cluster)."),
    ] = None,
) -> None:
    """Which sites each failure cuts off from each DC and the Internet egress, and which keep
    them but lose redundancy; equivalent failures grouped, worst first."""
    from govnet.topology.failure_report import SCOPES, build_report
    from govnet.topology.graph import build_graph

    chosen = [s for item in (scope or ["all"]) for s in item.split(",")]
    unknown = [s for s in chosen if s not in (*SCOPES, "all")]
    if unknown:
        err.print(
            f"unknown scope(s): {', '.join(unknown)} (single, node, srlg, double, all)", style="red"
        )
        raise typer.Exit(EXIT_DESIGN_ERROR)
    scopes = list(SCOPES) if "all" in chosen else chosen
    from govnet.topology.engine import open_engine

    loaded = load_or_exit(design, as_json)
    graph = build_graph(loaded)
    with open_engine(engine, scheduler) as runner:
        report = build_report(graph, scopes, engine=runner)  # type: ignore[arg-type]
    if as_json:
        emit_json(report.model_dump(mode="json"))
        return
    _print_failures(report, top)


def _print_failures(report: Any, top: int) -> None:
    titles = {
        "single": "single link failures",
        "node": "single device failures",
        "srlg": "duct (shared-risk) failures",
        "double": "double link failures (classes of equivalent pairs)",
    }
    for scope in report.scopes:
        rows = [s for s in report.scenarios if s.scope == scope]
        table = titled_table(
            f"{titles[scope]}: {report.counts[scope]:,} examined, {sum(1 for r in rows if r.kind == 'cut')} cut sites off",
            "failure",
            "effect",
            "targets",
            "sites",
        )
        for row in rows[: top or None]:
            per_target = row.cut_off if row.kind == "cut" else row.degraded
            first = next(iter(per_target.values()))
            names = [x.text() for x in first] if row.kind == "cut" else list(first)
            targets = ", ".join(per_target) if len(per_target) < len(report.targets) else "all"
            effect = "cut off" if row.kind == "cut" else "lose redundancy"
            if row.scope == "double":
                effect += f" ({row.pairs} pairs)"
            shown = abbreviated(names, 8)
            table.add_row(row.description, effect, targets, shown)
        if len(rows) > top > 0:
            table.caption = f"{len(rows) - top} more (--top 0 shows all)"
        out.print(table)
    if report.baseline_unreachable:
        out.print(f"[red]unreachable even with nothing failed[/red]: {report.baseline_unreachable}")
    out.print(
        f"{report.sites} user sites, targets {', '.join(report.targets)}; analysed in {report.seconds:.3f} s"
    )


@app.command(epilog=examples("report"))
def report(
    out_dir: Annotated[
        Path,
        typer.Option("--out", "-o", help="Directory for index.html and the PNGs.", file_okay=False),
    ] = Path("build/report"),
    design: DesignOption = None,
    as_json: JsonOption = False,
) -> None:
    """An HTML report with PNG figures: rings coloured by redundancy, the failure heatmap, link
    utilisation normal against worst case, the policy results."""
    from govnet.topology.graph import build_graph
    from govnet.topology.report import write_report

    loaded = load_or_exit(design, as_json)
    with err.status("analysing failures and capacity"):
        written = write_report(loaded, build_graph(loaded), out_dir)
    if as_json:
        emit_json({"index": str(written.index), "figures": [str(f) for f in written.figures]})
        return
    out.print(f"wrote {written.index} and {len(written.figures)} figures")


@app.command(epilog=examples("paths"))
def paths(
    site: Annotated[str, typer.Argument(help="A site name (e.g. humen).")],
    design: DesignOption = None,
    as_json: JsonOption = False,
) -> None:
    """The shortest pair of node-disjoint paths from a site to each DC and the Internet egress,
    and whether a duct-disjoint pair exists."""
    from govnet.topology.graph import build_graph
    from govnet.topology.paths import analyse_site, paths_tables

    loaded = load_or_exit(design, as_json)
    if site not in loaded.sites:
        err.print(f"unknown site '{site}' (see `govnet show`)", style="red")
        raise typer.Exit(EXIT_DESIGN_ERROR)
    report = analyse_site(loaded, build_graph(loaded), site)
    if as_json:
        emit_json(report.model_dump(mode="json"))
    else:
        for table in paths_tables(report):
            out.print(table)


@app.command(epilog=examples("capacity"))
def capacity(
    design: DesignOption = None,
    as_json: JsonOption = False,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            min=0.01,
            max=1.0,
            metavar="RATIO",
            help="Overload above this utilisation (default: the design's max_utilisation policy, else 0.8).",
        ),
    ] = None,
) -> None:
    """Demands routed on IGP shortest paths with ECMP: per-link load normally and in the worst
    single or duct failure, with the scenario that causes it; exit 1 if a link overloads."""
    from govnet.checks.policy_models import MaxUtilisation
    from govnet.topology.capacity import analyse, capacity_tables
    from govnet.topology.graph import build_graph

    loaded = load_or_exit(design, as_json)
    if threshold is None:
        policy = next((p for p in loaded.policies if isinstance(p, MaxUtilisation)), None)
        threshold = policy.threshold if policy else 0.8
    report = analyse(loaded, build_graph(loaded), threshold=threshold)
    if as_json:
        emit_json(report.model_dump(mode="json"), ok=not report.overloaded)
    else:
        for table in capacity_tables(report):
            out.print(table)
    if report.overloaded:
        raise typer.Exit(1)


AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Date (YYYY-MM-DD) whose migration state to use (default: today)."
    ),
]


def _as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"--as-of: '{value}' is not a date (expected YYYY-MM-DD)", style="red")
        raise typer.Exit(EXIT_DESIGN_ERROR) from None


def _coverage(loaded: Design, when: date, live: dict[str, Any] | None = None) -> Any:
    from govnet.ipv6.coverage import coverage
    from govnet.templates.build import build_intents
    from govnet.topology.graph import build_graph

    intents = build_intents(loaded, build_graph(loaded), as_of=when)
    return coverage(loaded, intents, live=live, as_of=when)


def _live_statuses(
    loaded: Design, hosts: list[str] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Interface statuses as the devices report them, and the hosts that could not be asked."""
    from rich.progress import Progress

    from govnet.ipv6.live import MissingCredentials, build_nornir, collect

    selected = select_hosts(loaded, None, hosts)
    try:
        nornir = build_nornir(loaded.root, selected)
    except (MissingCredentials, ValueError) as error:
        err.print(str(error), style="red")
        raise typer.Exit(EXIT_DESIGN_ERROR) from None
    with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
        statuses, failures = collect(nornir, progress)
    for host, reason in sorted(failures.items()):
        err.print(f"{host}: {reason}", style="yellow", markup=False)
    return dict(statuses), dict(failures)


def _share_row(table: Any, name: str, share: Any) -> None:
    table.add_row(
        name,
        str(share.total),
        str(share.v4_only),
        str(share.dual),
        str(share.v6_only),
        f"{100 * share.dual_or_better:.0f}%",
        f"{100 * share.ipv6_only:.0f}%",
    )


@ipv6_app.command("plan", epilog=examples("ipv6 plan"))
def ipv6_plan(design: DesignOption = None, as_json: JsonOption = False) -> None:
    """The IPv6 address plan as a tree (zone, district, site, unit, subnet) with the
    utilisation of every level, the infrastructure pools and the SRv6 SID block."""
    from govnet.ipv6.plan import plan_levels_table, plan_tree_table, pool_usage

    loaded = load_or_exit(design, as_json)
    plan = loaded.ipv6_plan
    if plan is None:
        err.print("this design has no ipv6/plan.yaml", style="red")
        raise typer.Exit(EXIT_DESIGN_ERROR)
    usage = pool_usage(loaded.addressing.allocations)
    if as_json:
        emit_json(plan.as_json(usage))
        return
    out.print(plan_tree_table(plan, usage))
    out.print(plan_levels_table(plan))
    if plan.lock_changed:
        out.print("[yellow]ipv6/plan.lock.yaml is out of date: run `govnet lock`[/yellow]")


@ipv6_app.command("coverage", epilog=examples("ipv6 coverage"))
def ipv6_coverage(
    design: DesignOption = None,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live", help="Also ask the devices (Nornir: NAPALM get_interfaces_ip, FRR JSON)."
        ),
    ] = False,
    hosts: Annotated[
        list[str] | None,
        typer.Option("--hosts", metavar="NAME[,NAME…]", help="With --live: only these devices."),
    ] = None,
) -> None:
    """v4-only / dual / v6-only per interface, device, site, VPN and service, by district,
    layer and VPN; where the sources disagree, says so."""
    loaded = load_or_exit(design, as_json)
    reported, failed = _live_statuses(loaded, hosts) if live else ({}, {})
    result = _coverage(loaded, _as_of(as_of), reported or None)
    if as_json:
        emit_json({**result.model_dump(mode="json"), "unreachable": failed})
        return
    columns = ("", "interfaces", "v4-only", "dual", "v6-only", "dual or v6", "v6-only share")
    totals = titled_table("IPv6 coverage", *columns)
    _share_row(totals, "all interfaces", result.overall)
    _share_row(totals, "user-facing (LAN)", result.user_facing)
    out.print(totals)
    for title, shares in (
        ("by district", result.by_district),
        ("by layer", result.by_layer),
        ("by VPN (user-facing)", result.by_vpn),
    ):
        table = titled_table(title, *columns)
        for name, share in shares.items():
            _share_row(table, name, share)
        out.print(table)
    states = Counter(result.sites.values())
    out.print("sites: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
    services = titled_table(
        "services (national monitoring)",
        "service",
        "site",
        "AAAA",
        "reachable over IPv6",
        "checked",
    )
    for s in result.services:
        services.add_row(
            s.name,
            s.site,
            "yes" if s.aaaa else "[red]no[/red]",
            "yes" if s.reachable_v6 else "[red]no[/red]",
            str(s.checked),
        )
    out.print(services)
    if result.disagreements:
        table = titled_table(
            f"{len(result.disagreements)} disagreement(s) between sources",
            "subject",
            "design",
            "other source",
            "source",
        )
        for d in result.disagreements[:20]:
            table.add_row(d.subject, d.design, d.other, d.source)
        out.print(table)


@ipv6_app.command("progress", epilog=examples("ipv6 progress"))
def ipv6_progress(
    design: DesignOption = None, as_json: JsonOption = False, as_of: AsOfOption = None
) -> None:
    """Each wave planned against actual, late items, and the IPv6-only share against the
    milestones of ipv6/waves.yaml."""
    from govnet.ipv6.progress import progress, read_history

    loaded = load_or_exit(design, as_json)
    today = _as_of(as_of)
    result = progress(loaded, _coverage(loaded, today), today, read_history(loaded.root))
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    table = titled_table(
        f"IPv6 migration waves on {today}",
        "wave",
        "target",
        "due",
        "done",
        "status",
        "sites at target",
    )
    colours = {
        "done": "green",
        "done late": "yellow",
        "late": "red",
        "due": "yellow",
        "planned": "white",
    }
    for w in result.waves:
        status = w.status + (f" ({w.days_late} days)" if w.days_late else "")
        table.add_row(
            w.name,
            w.target_state,
            str(w.due),
            str(w.done or "—"),
            f"[{colours[w.status]}]{status}[/]",
            f"{w.sites_at_target}/{w.sites}",
        )
    out.print(table)
    milestones = titled_table(
        "IPv6-only share of user-facing interfaces against the milestones",
        "date",
        "target",
        "actual",
        "met",
    )
    for m in result.milestones:
        actual = "—" if m.actual is None else f"{100 * m.actual:.1f}%"
        met = "—" if m.met is None else ("[green]yes[/green]" if m.met else "[red]no[/red]")
        milestones.add_row(str(m.date), f"{100 * m.target:.0f}%", actual, met)
    out.print(milestones)
    out.print(
        f"today: {100 * result.ipv6_only:.1f}% IPv6-only, {100 * result.dual_or_better:.1f}% dual-stack or better"
    )


@ipv6_app.command("report", epilog=examples("ipv6 report"))
def ipv6_report(
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Directory for index.html and the charts.", file_okay=False
        ),
    ] = Path("build/ipv6"),
    design: DesignOption = None,
    as_of: AsOfOption = None,
) -> None:
    """HTML with PNG charts: coverage over time, burn-down per wave, prefix utilisation."""
    from govnet.ipv6.progress import progress, read_history
    from govnet.ipv6.report import write_ipv6_report

    loaded = load_or_exit(design)
    today = _as_of(as_of)
    current = _coverage(loaded, today)
    history = read_history(loaded.root)
    written = write_ipv6_report(
        loaded, current, progress(loaded, current, today, history), history, today, out_dir
    )
    out.print(f"wrote {written.index} and {len(written.figures)} charts")


@ipv6_app.command("snapshot", epilog=examples("ipv6 snapshot"))
def ipv6_snapshot(design: DesignOption = None, as_of: AsOfOption = None) -> None:
    """Record today's (or --as-of's) coverage as a dated status file under ipv6/status/."""
    from govnet.ipv6.progress import snapshot, write_snapshot

    loaded = load_or_exit(design)
    when = _as_of(as_of)
    path = write_snapshot(loaded.root, snapshot(loaded, _coverage(loaded, when), when))
    out.print(f"wrote {path}")


def _nornir_for(loaded: Design, selection: HostSelection) -> Any:
    from govnet.ipv6.live import MissingCredentials, build_nornir

    selected = selection.names(loaded)
    if not selected:
        err.print(
            "no host matches the selection (--hosts/--filter/--role/--district/--ring)", style="red"
        )
        raise typer.Exit(EXIT_DESIGN_ERROR)
    try:
        return build_nornir(loaded.root, selected)
    except (MissingCredentials, ValueError) as error:
        err.print(str(error), style="red")
        raise typer.Exit(EXIT_DESIGN_ERROR) from None


@app.command(epilog=examples("push"))
def push(
    design: DesignOption = None,
    hosts: HostsOption = None,
    filters: FilterOption = None,
    roles: RoleOption = None,
    districts: DistrictOption = None,
    rings: RingOption = None,
    commit: Annotated[
        bool, typer.Option("--commit", help="Commit (default: dry run, show the diffs only).")
    ] = False,
    confirm_timeout: ConfirmTimeoutOption = 300,
    settle: Annotated[
        float,
        typer.Option(
            "--settle",
            min=0,
            metavar="SECONDS",
            help="Seconds a committed device may take to pass verification.",
        ),
    ] = 60.0,
    canary: CanaryOption = 1,
    batch_size: BatchSizeOption = 10,
    max_failures: MaxFailuresOption = 1,
    allow_degraded: AllowDegradedOption = False,
    baseline_design: Annotated[
        Path | None,
        typer.Option(
            "--baseline-design",
            metavar="<dir>",
            file_okay=False,
            help="The design the devices run now (default: --design): the baseline before "
            "the change checks what it promises, so a change that adds sessions (a migration "
            "stage) is not refused for lacking them yet.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Render, diff against the running config, show the diffs; with --commit, deliver
    safely: baseline verification, canary, batches, commit-confirmed, drift check and
    verification over a fresh connection, then confirm or roll back each host by the
    differential verdict. Credentials: GOVNET_USERNAME/PASSWORD."""
    from rich.progress import Progress

    from govnet.inventory.push import run_push
    from govnet.topology.graph import build_graph

    rollout = rollout_or_exit(
        confirm_timeout, settle, canary, batch_size, max_failures, allow_degraded
    )
    loaded = load_or_exit(design, as_json)
    nornir = _nornir_for(loaded, HostSelection(hosts, filters, roles, districts, rings))
    with (
        render_errors(),
        Progress(console=err, transient=True, disable=not err.is_terminal) as progress,
    ):
        report = run_push(
            loaded,
            build_graph(loaded),
            nornir,
            commit,
            progress,
            rollout=rollout,
            baseline_design=load_or_exit(baseline_design, as_json) if baseline_design else None,
        )
    print_push_report(report, as_json)


@app.command(epilog=examples("verify"))
def verify(
    design: DesignOption = None,
    hosts: HostsOption = None,
    filters: FilterOption = None,
    roles: RoleOption = None,
    districts: DistrictOption = None,
    rings: RingOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the devices against the design without changing anything: BGP sessions to the
    route reflectors, the loopbacks, IS-IS adjacencies, the SRv6 locator and a route to every
    loopback."""
    from rich.progress import Progress

    from govnet.inventory.judgement import likely_causes
    from govnet.inventory.push import run_verify
    from govnet.inventory.verification import VerifyResult, failed_hosts, outcome_json
    from govnet.topology.graph import build_graph

    loaded = load_or_exit(design, as_json)
    nornir = _nornir_for(loaded, HostSelection(hosts, filters, roles, districts, rings))
    with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
        outcome = run_verify(loaded, build_graph(loaded), nornir, progress)
    failed = failed_hosts(outcome)
    causes = likely_causes(outcome)
    if as_json:
        emit_json(outcome_json(outcome, causes), ok=not failed)
    else:
        table = titled_table("verification", "host", "result", "checks", "likely cause")
        for host, result in outcome.items():
            if isinstance(result, VerifyResult):
                checks = "; ".join(
                    f"{c.name}: {c.status}" + (f" ({c.detail})" if c.status == "failed" else "")
                    for c in result.checks
                )
                table.add_row(
                    host,
                    "[green]ok[/green]" if result.ok else "[red]failed[/red]",
                    escape(checks),
                    causes.get(host, ""),
                )
            else:
                table.add_row(host, "[red]not verified[/red]", escape(result), "")
        out.print(table)
    if failed:
        raise typer.Exit(1)


@app.command(epilog=examples("backup"))
def backup(
    design: DesignOption = None,
    hosts: HostsOption = None,
    filters: FilterOption = None,
    roles: RoleOption = None,
    districts: DistrictOption = None,
    rings: RingOption = None,
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Directory for <host>.cfg.", file_okay=False)
    ] = Path("build/backup"),
    as_json: JsonOption = False,
) -> None:
    """Save every device's running config."""
    from rich.progress import Progress

    from govnet.inventory.push import run_backup

    loaded = load_or_exit(design, as_json)
    nornir = _nornir_for(loaded, HostSelection(hosts, filters, roles, districts, rings))
    out_dir.mkdir(parents=True, exist_ok=True)
    with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
        written, failures = run_backup(nornir, out_dir, progress)
    if as_json:
        saved = {host: str(path) for host, path in sorted(written.items())}
        emit_json({"saved": saved, "failed": dict(sorted(failures.items()))}, ok=not failures)
    else:
        for host, reason in sorted(failures.items()):
            err.print(f"{host}: {reason}", style="red", markup=False)
        out.print(f"saved {len(written)} running config(s) into {out_dir}")
    if failures:
        raise typer.Exit(1)


def _count(n: int) -> str:
    """Thousands separators, or a power of two for the astronomically large IPv6 pools."""
    return f"{n:,}" if n < 10**9 else f"≈2^{round(math.log2(n))}"


@app.command(epilog=examples("graph"))
def graph(
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="PNG file to write.", dir_okay=False)
    ],
    design: DesignOption = None,
    as_json: JsonOption = False,
) -> None:
    """Draw the network for planners: the rings, the layers and the DCs."""
    from govnet.topology.draw import draw_design
    from govnet.topology.graph import build_graph

    loaded = load_or_exit(design, as_json)
    note = draw_design(loaded, build_graph(loaded), out_file)
    if as_json:
        emit_json({"out": str(out_file), "note": note or None})
        return
    out.print(f"wrote {out_file}" + (f" ({note})" if note else ""))


@generate_app.command("province", epilog=examples("generate province"))
def generate_province(
    out_dir: Annotated[
        Path,
        typer.Option("--out", "-o", help="Directory to write the design into.", file_okay=False),
    ],
    cities: Annotated[
        int, typer.Option(min=1, max=200, metavar="N", help="Number of cities.")
    ] = 21,
    rings_per_city: Annotated[
        int, typer.Option(min=1, max=40, metavar="N", help="First-level rings per city.")
    ] = 7,
    towns_per_ring: Annotated[
        int, typer.Option(min=1, max=20, metavar="N", help="Towns on each first-level ring.")
    ] = 5,
    access_rings_per_town: Annotated[
        int, typer.Option(min=0, max=20, metavar="N", help="Access rings under each town.")
    ] = 3,
    access_ring_size: Annotated[
        int, typer.Option(min=1, max=20, metavar="N", help="Access nodes on each access ring.")
    ] = 9,
    seed: Annotated[int, typer.Option(help="Seed for platform mix, lengths and demands.")] = 1,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite a non-empty directory.")
    ] = False,
    design: DesignOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write a synthetic province design (same format) sized for scale work. Inventory groups
    and defaults are copied from --design."""
    from govnet.topology.generate import ProvinceSpec, write_province

    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        err.print(f"{out_dir} is not empty (use --force to overwrite)", style="red")
        raise typer.Exit(EXIT_DESIGN_ERROR)
    spec = ProvinceSpec(
        cities=cities,
        rings_per_city=rings_per_city,
        towns_per_ring=towns_per_ring,
        access_rings_per_town=access_rings_per_town,
        access_ring_size=access_ring_size,
        seed=seed,
    )
    with err.status(f"generating {spec.device_count()} devices"):
        stats = write_province(spec, out_dir, template=design or default_design_path())
    if as_json:
        emit_json({"out": str(out_dir), **stats, "cities": cities})
        return
    out.print(
        f"wrote {out_dir}: {stats['devices']} devices, {stats['links']} links, "
        f"{stats['rings']} rings in {cities} cities"
    )


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # e.g. `govnet show --json | head`
        sys.stderr.close()


if __name__ == "__main__":
    main()
