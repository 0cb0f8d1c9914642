"""``govnet lab rehearse-migration``: the MPLS -> SRv6 migration's stages walked on the running
lab (:mod:`govnet.labs.rehearsal`), one row per stage."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from govnet.cli_common import (
    DesignOption,
    JsonOption,
    emit_json,
    err,
    load_or_exit,
    out,
    titled_table,
)
from govnet.cli_lab_common import DEFAULT_LAB_STATE, SettleOption, StateOption, lab_state
from govnet.cli_rollout import ConfirmTimeoutOption, rollout_or_exit

WavesOption = Annotated[
    str | None,
    typer.Option(
        "--waves",
        help="Egress PEs whose SRv6 routes become preferred together, as for `govnet migrate "
        'transport`: "pe1,pe2;pe3" (default: one wave per district).',
    ),
]


def stage_rows(reports: list[Any]) -> list[tuple[str, ...]]:
    """One row per stage: name, pushed routers, push statuses, checks passed, loss per site,
    unreachable loopbacks."""
    rows: list[tuple[str, ...]] = []
    for r in reports:
        statuses: dict[str, int] = {}
        for status in r.statuses.values():
            statuses[status] = statuses.get(status, 0) + 1
        failed = [c for c in r.checks if not c.ok]
        loss = "\n".join(f"{s.site} {s.outage_ms:.0f} ms ({s.lost}/{s.sent})" for s in r.loss)
        rows.append(
            (
                r.name + (f"\n[dim]{escape(r.caution)}[/dim]" if r.caution else ""),
                ", ".join(r.pushed) or "-",
                ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "no change",
                f"{len(r.checks) - len(failed)}/{len(r.checks)}"
                + "".join(f"\n[red]{c.router}: {c.egress} {c.vrf} {c.family}: {c.seen}[/red]"
                          for c in failed[:3]),
                loss or "-",
                ", ".join(r.unreachable) or "none",
                f"{r.seconds:.0f}",
            )
        )  # fmt: skip
    return rows


def rehearse_migration_command(
    design: DesignOption = None,
    state: StateOption = DEFAULT_LAB_STATE,
    waves: WavesOption = None,
    confirm_timeout: ConfirmTimeoutOption = 300,
    settle: SettleOption = 20.0,
    as_json: JsonOption = False,
) -> None:
    """Walk the MPLS -> SRv6 migration's stages (govnet migrate transport) on the running lab,
    which runs the design as it is now: each stage pushed as `lab push --commit` pushes it,
    pings every 50 ms from every user-site router to every loopback (IPv4 and IPv6) all the
    way, and per stage the VPN routes at both route reflectors and the PEs' selection. Exit 1
    when a stage is not confirmed everywhere, a check fails or a loopback went unreachable."""
    from govnet.cli_migrate import parse_waves
    from govnet.labs.rehearsal import RehearsalStage, rehearse
    from govnet.topology.models import Transport
    from govnet.topology.transport_migration import MigrationError, plan_transport_migration

    # a stage is one change: every router it changes committed at once (both ends of a new
    # session), then judged; no canary alone (its new sessions would have no other end yet)
    rollout = rollout_or_exit(confirm_timeout, settle, 0, 0, 1, False)
    lab = lab_state(state)
    loaded = load_or_exit(design, as_json)
    try:
        migration = plan_transport_migration(loaded, Transport.SRV6, parse_waves(waves))
    except MigrationError as error:
        err.print(f"lab rehearse-migration: {error}", style="red", markup=False)
        raise typer.Exit(2) from None
    stages = [
        RehearsalStage(s.name, s.title, s.design, s.post_checks, s.caution)
        for s in migration.stages
    ]
    reports = rehearse(lab, loaded, stages, rollout, state.parent / "rehearsal")
    if as_json:
        emit_json(
            {"stages": [r.as_json() for r in reports], "planned": len(stages)},
            ok=len(reports) == len(stages) and all(r.ok for r in reports),
        )
    else:
        table = titled_table(
            f"lab rehearse-migration: {len(reports)} of {len(stages)} stages",
            "stage",
            "pushed",
            "push",
            "checks ok",
            "loss per site (longest outage, lost/sent)",
            "unreachable",
            "s",
        )
        for row in stage_rows(reports):
            table.add_row(*row)
        out.print(table)
    if len(reports) < len(stages) or not all(r.ok for r in reports):
        raise typer.Exit(1)
