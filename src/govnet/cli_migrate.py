"""``govnet migrate …``: changes of the design planned as staged, reviewable runbooks
(``migrate transport --to srv6``: the MPLS -> SRv6 evolution)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govnet.cli_common import (
    EXIT_DESIGN_ERROR,
    DesignOption,
    JsonOption,
    emit_json,
    err,
    load_or_exit,
    render_errors,
)
from govnet.topology.models import Transport

migrate_app = typer.Typer(
    help="Plan a change of the design as stages to push one after the other.",
    no_args_is_help=True,
)


def parse_waves(text: str | None) -> list[list[str]] | None:
    """``"pe1,pe2;pe3"`` -> ``[["pe1", "pe2"], ["pe3"]]`` (waves by ``;``, PEs by ``,``)."""
    if text is None:
        return None
    return [[n.strip() for n in wave.split(",") if n.strip()] for wave in text.split(";")]


@migrate_app.command("transport")
def transport(
    to: Annotated[str, typer.Option("--to", help="The target transport (only srv6).")],
    waves: Annotated[
        str | None,
        typer.Option(
            "--waves",
            help='Egress PEs whose SRv6 routes become preferred together: "pe1,pe2;pe3" '
            "(default: one wave per district).",
        ),
    ] = None,
    design: DesignOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write runbook.md, runbook.html and each stage's design directory here.",
            file_okay=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Write the runbook with every config diff as HTML.", dir_okay=False
        ),
    ] = None,
) -> None:
    """The MPLS -> SRv6 evolution as stages: SRv6 beside MPLS, add-path, SRv6 preferred wave by
    wave, MPLS removed; each with its config diffs, route checks and rollback."""
    from govnet.topology.transport_migration import MigrationError, plan_transport_migration
    from govnet.topology.transport_runbook import (
        runbook_html,
        runbook_json,
        runbook_markdown,
        write_stage_designs,
    )
    from govnet.yamlio import write_atomically

    try:
        target = Transport(to)
    except ValueError:
        choices = ", ".join(t.value for t in Transport)
        err.print(f"--to {to!r}: not a transport (one of {choices})", style="red", markup=False)
        raise typer.Exit(EXIT_DESIGN_ERROR) from None
    loaded = load_or_exit(design, as_json)
    with render_errors():
        try:
            migration = plan_transport_migration(loaded, target, parse_waves(waves))
        except MigrationError as error:
            err.print(f"--to {to}: {error}", style="red", markup=False)
            raise typer.Exit(EXIT_DESIGN_ERROR) from None
    label = str(out) if out is not None else "<out>"
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_stage_designs(migration, out)
        write_atomically(out / "runbook.md", runbook_markdown(migration, label))
        write_atomically(out / "runbook.html", runbook_html(migration, label))
        err.print(f"wrote {out}/runbook.md, runbook.html and {len(migration.stages)} stage(s)")
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(html, runbook_html(migration, label))
    if as_json:
        emit_json(runbook_json(migration))
    else:
        print(runbook_markdown(migration, label), end="")
