"""``govnet diff OLD NEW``: what a design change does (model, analyses, configs), for review;
exit 1 when it adds a weak spot or a policy violation."""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from govnet.cli_common import (
    EXIT_DESIGN_ERROR,
    JsonOption,
    emit_json,
    err,
    out,
    print_problems,
    render_errors,
    titled_table,
)
from govnet.design import Design, load_design
from govnet.diagnostics import DesignError
from govnet.topology.design_diff import (
    DesignDiff,
    diff_designs,
    diff_html,
    diff_json,
    field_text,
    percent,
)
from govnet.yamlio import write_atomically


def _load_side(side: str, path: Path, shown: str, as_json: bool) -> Design:
    """One side's design, or its problems (file:line) naming the side and exit 2."""
    try:
        return load_design(path)
    except DesignError as error:
        if as_json:
            emit_json(
                {"side": side, "design": shown, "valid": False}, ok=False, problems=error.problems
            )
        print_problems(error.problems)
        err.print(
            f"{side} ({shown}): {len(error.errors)} error(s) in the design",
            style="bold red",
            markup=False,
        )
        raise typer.Exit(EXIT_DESIGN_ERROR) from None


def _git(directory: Path, *args: str) -> bytes:
    try:
        return subprocess.run(
            ["git", "-C", str(directory), *args], check=True, capture_output=True
        ).stdout
    except (subprocess.CalledProcessError, FileNotFoundError) as error:
        detail = getattr(error, "stderr", b"") or str(error).encode()
        err.print(f"git {' '.join(args)}: {detail.decode().strip()}", style="red", markup=False)
        raise typer.Exit(EXIT_DESIGN_ERROR) from None


@contextmanager
def design_at_revision(design: Path, ref: str) -> Iterator[Path]:
    """The design directory as it was at ``ref`` of its repository, in a temporary directory
    (``git archive``; nothing is written in the user's tree)."""
    top = Path(_git(design, "rev-parse", "--show-toplevel").decode().strip())
    prefix = _git(design, "rev-parse", "--show-prefix").decode().strip()
    archive = _git(top, "archive", "--format=tar", f"{ref}:{prefix}")
    with tempfile.TemporaryDirectory(prefix="govnet-diff-") as temporary:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(temporary, filter="data")
        yield Path(temporary)


def diff(
    old: Annotated[
        Path | None,
        typer.Argument(
            metavar="OLD",
            help="The design before the change (with --git: the design directory).",
            file_okay=False,
        ),
    ] = None,
    new: Annotated[
        Path | None,
        typer.Argument(metavar="NEW", help="The design after the change.", file_okay=False),
    ] = None,
    git: Annotated[
        str | None,
        typer.Option(
            "--git",
            metavar="REF",
            help="Compare the design at this git revision of its repository with the one given.",
        ),
    ] = None,
    load_threshold: Annotated[
        float,
        typer.Option(
            "--load-threshold",
            min=0.0,
            max=100.0,
            metavar="POINTS",
            help="Report worst-case link loads that moved by more than this (percentage points).",
        ),
    ] = 10.0,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write a review page here.", dir_okay=False)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """What the change from OLD to NEW does: model changes (devices, links, ducts, rings, VPNs,
    addresses, waves), weak spots and policy violations added or removed, worst-case loads that
    moved, IPv6 coverage, and the per-device config diffs. Exit 1 when it adds a weak spot or a
    violation."""
    if git is not None:
        if new is not None:
            err.print("--git REF takes one design directory (the new side)", style="red")
            raise typer.Exit(EXIT_DESIGN_ERROR)
        current = old or Path(".")
        with design_at_revision(current, git) as previous:
            before = _load_side("OLD", previous, f"git {git}", as_json)
            after = _load_side("NEW", current, str(current), as_json)
            with render_errors():
                change = diff_designs(
                    before, after, load_threshold / 100, labels=(f"git:{git}", str(current))
                )
    else:
        if old is None or new is None:
            err.print("give OLD and NEW, or --git REF [DESIGN]", style="red")
            raise typer.Exit(EXIT_DESIGN_ERROR)
        before = _load_side("OLD", old, str(old), as_json)
        after = _load_side("NEW", new, str(new), as_json)
        with render_errors():
            change = diff_designs(before, after, load_threshold / 100, labels=(str(old), str(new)))
    if html is not None:
        html.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(html, diff_html(change))
    if as_json:
        emit_json(diff_json(change), ok=not change.gates)
    else:
        _print(change)
    if change.gates:
        raise typer.Exit(1)


def _print(change: DesignDiff) -> None:
    if change.unchanged:
        out.print("no change: the designs are the same to every analysis and config")
        return
    if change.model:
        table = titled_table(
            f"model: {len(change.model)} change(s)", "kind", "name", "change", "fields"
        )
        for c in change.model:
            table.add_row(c.kind, escape(c.name), c.change, escape(field_text(c.fields)))
        out.print(table)
    if change.weak_spots:
        table = titled_table(
            "weak spots (failures that cut a site off)",
            "change",
            "scope",
            "failure",
            "site",
            "targets",
        )
        for w in change.weak_spots:
            style = "red" if w.change == "added" else "green"
            table.add_row(
                f"[{style}]{w.change}[/{style}]", w.scope, w.failure, w.site, ", ".join(w.targets)
            )
        out.print(table)
    if change.violations:
        table = titled_table("policy violations", "change", "policy", "subject", "evidence")
        for v in change.violations:
            style = "red" if v.change == "added" else "green"
            table.add_row(
                f"[{style}]{v.change}[/{style}]", v.policy, escape(v.subject), escape(v.evidence)
            )
        out.print(table)
    if change.loads:
        table = titled_table(
            f"worst-case loads moved by more than {percent(change.load_threshold)}",
            "link",
            "%old",
            "%new",
            "new worst case",
        )
        for load in change.loads:
            table.add_row(
                load.link,
                percent(load.old_utilisation),
                percent(load.new_utilisation),
                load.new_scenario,
            )
        out.print(table)
    ipv6 = change.ipv6
    if ipv6.changed:
        out.print(
            f"IPv6 coverage: {percent(ipv6.old_dual_or_better)} -> {percent(ipv6.new_dual_or_better)} "
            f"of interfaces, user-facing {percent(ipv6.old_user_facing)} -> "
            f"{percent(ipv6.new_user_facing)}; {len(ipv6.devices)} device(s) changed state"
        )
    out.print(
        f"configs: {len(change.configs.diffs)} changed ({', '.join(change.configs.devices) or 'none'}), "
        f"{change.configs.unchanged} unchanged"
    )
    for device_diff in change.configs.diffs:
        print(device_diff.diff, end="" if device_diff.diff.endswith("\n") else "\n")
    verdict = (
        "[red]the change adds a weak spot or a policy violation[/red]"
        if change.gates
        else "[green]the change adds no weak spot and no policy violation[/green]"
    )
    out.print(verdict)
