"""What every `govnet lab` command shares: the lab's state file and reading it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from govnet.cli_common import err

StateOption = Annotated[
    Path,
    typer.Option(
        "--state", help="The lab's state file (what it started, to tear it down).", dir_okay=False
    ),
]
DEFAULT_LAB_STATE = Path("build/lab/state.json")
SettleOption = Annotated[
    float,
    typer.Option(
        min=0,
        metavar="SECONDS",
        help="Seconds a committed router may take to pass verification.",
    ),
]


def lab_state(state: Path) -> Any:
    """The running lab recorded in ``state``; exit 1 when there is none."""
    from govnet.labs.netns import LabState

    loaded = LabState.load(state)
    if not loaded.routers:
        err.print(f"lab: no lab recorded in {state} (run `govnet lab up`)", style="red")
        raise typer.Exit(1)
    return loaded
