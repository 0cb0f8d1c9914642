"""``govnet cutover DEPARTMENT``: the runbook that moves a department's legacy network into its
VPN (割接): preparation, a switch per site in a safe order, checks, rollback, decommissioning."""

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


def cutover(
    department: Annotated[str, typer.Argument(help="The department (topology/services.yaml).")],
    design: DesignOption = None,
    as_json: JsonOption = False,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Write the runbook as HTML here.", dir_okay=False),
    ] = None,
) -> None:
    """The cutover runbook of one department's legacy network (its `legacy:` block) into its
    VPN, with every device's config diff per step, checks and rollback (Markdown on stdout)."""
    from govnet.topology.cutover import CutoverError, plan_cutover
    from govnet.topology.cutover_runbook import runbook_html, runbook_json, runbook_markdown
    from govnet.yamlio import write_atomically

    loaded = load_or_exit(design, as_json)
    with render_errors():
        try:
            plan = plan_cutover(loaded, department)
        except CutoverError as error:
            err.print(f"cutover {department}: {error}", style="red", markup=False)
            raise typer.Exit(EXIT_DESIGN_ERROR) from None
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(html, runbook_html(plan))
    if as_json:
        emit_json(runbook_json(plan))
    else:
        print(runbook_markdown(plan), end="")
