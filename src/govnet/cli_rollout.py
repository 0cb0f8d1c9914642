"""What ``govnet push`` and ``govnet lab push`` share on the command line: the rollout options,
their checks, and how a push report is printed and turned into an exit code."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from govnet.cli_common import EXIT_DESIGN_ERROR, emit_json, err, out

ConfirmTimeoutOption = Annotated[
    int,
    typer.Option(
        "--confirm-timeout",
        min=1,
        metavar="SECONDS",
        help="Seconds each device waits for the confirmation of its commit before it reverts "
        "by itself (commit-confirmed).",
    ),
]
CanaryOption = Annotated[
    int,
    typer.Option(
        "--canary",
        min=0,
        metavar="N",
        help="The first N hosts go alone first; any failure stops the run.",
    ),
]
BatchSizeOption = Annotated[
    int,
    typer.Option(
        "--batch-size",
        min=0,
        metavar="N",
        help="Hosts per batch after the canary (0: all the rest at once).",
    ),
]
MaxFailuresOption = Annotated[
    int,
    typer.Option(
        "--max-failures",
        min=0,
        metavar="N",
        help="Skip the remaining batches once this many hosts failed, were rolled back or "
        "revert (0: never).",
    ),
]
AllowDegradedOption = Annotated[
    bool,
    typer.Option(
        "--allow-degraded",
        help="Commit although the baseline already fails: checks failing before do not "
        "count, hosts unreachable before are skipped.",
    ),
]


def rollout_or_exit(
    confirm_timeout: int,
    settle: float,
    canary: int,
    batch_size: int,
    max_failures: int,
    allow_degraded: bool,
) -> Any:
    """The :class:`~govnet.inventory.rollout.Rollout` of the options; exit 2 when the settling
    time leaves no room to confirm before the devices revert."""
    from govnet.inventory.rollout import Rollout

    if settle * 2 >= confirm_timeout:
        err.print(
            f"--settle {settle:g} s must stay under half of --confirm-timeout "
            f"{confirm_timeout} s: the devices would revert before they are confirmed",
            style="red",
        )
        raise typer.Exit(EXIT_DESIGN_ERROR)
    return Rollout(
        confirm_timeout=confirm_timeout,
        settle=settle,
        canary=canary,
        batch_size=batch_size,
        max_failures=max_failures,
        allow_degraded=allow_degraded,
    )


def print_push_report(report: Any, as_json: bool) -> None:
    """The report (JSON or tables), the refusal or stop on stderr; exit 1 unless it is ok."""
    from govnet.inventory.push_report import push_tables

    if as_json:
        emit_json(report.model_dump(mode="json"), ok=report.ok)
    else:
        for table in push_tables(report):
            out.print(table)
    if report.refused:
        err.print(f"push refused: {report.refused}", style="red", markup=False)
    if report.stopped:
        err.print(f"later batches skipped: {report.stopped}", style="red", markup=False)
    if not report.ok:
        raise typer.Exit(1)
