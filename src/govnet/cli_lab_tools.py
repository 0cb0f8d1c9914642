"""netlab/containerlab habits on the lab: `lab connect DEVICE` (vtysh in that router),
`lab exec DEVICE -- CMD`, `lab inventory --out DIR` (a Nornir SimpleInventory of the lab)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Annotated, Any

import typer

from govnet.cli_common import (
    EXIT_DESIGN_ERROR,
    DesignOption,
    JsonOption,
    emit_json,
    err,
    load_or_exit,
    out,
)
from govnet.cli_lab_common import DEFAULT_LAB_STATE, StateOption, lab_state

DeviceArgument = Annotated[str, typer.Argument(metavar="DEVICE", help="A router of the lab.")]


def router_command(lab: Any, device: str, argv: list[str]) -> list[str]:
    """``argv`` run inside the lab router ``device`` (its network and UTS namespaces)."""
    from govnet.labs.frr_daemons import enter

    if device not in lab.routers:
        known = ", ".join(sorted(lab.routers))
        err.print(f"lab: no router {device!r} in the lab (routers: {known})", markup=False)
        raise typer.Exit(EXIT_DESIGN_ERROR)
    return [*enter(lab.routers[device]), *argv]


def vtysh_command(lab: Any, device: str) -> list[str]:
    return router_command(lab, device, ["vtysh", "-N", lab.routers.get(device, "")])


def connect(device: DeviceArgument, state: StateOption = DEFAULT_LAB_STATE) -> None:
    """vtysh in one lab router, by its device name (as `netlab connect` does)."""
    argv = vtysh_command(lab_state(state), device)
    os.execvp(argv[0], argv)


def exec_command(
    device: DeviceArgument,
    command: Annotated[list[str], typer.Argument(metavar="-- CMD…", hidden=True)],
    state: StateOption = DEFAULT_LAB_STATE,
) -> None:
    """Run the command after `--` inside one lab router (its network and UTS namespaces); its
    output and exit status are the command's."""
    argv = router_command(lab_state(state), device, command)
    result = subprocess.run(argv, check=False)
    raise typer.Exit(result.returncode)


def inventory(
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Directory for the inventory.", file_okay=False)
    ],
    state: StateOption = DEFAULT_LAB_STATE,
    design: DesignOption = None,
    as_json: JsonOption = False,
) -> None:
    """The running lab as a Nornir SimpleInventory (hosts.yaml, groups.yaml, defaults.yaml)
    that your own scripts can load with InitNornir: each router through govnet's frr_netns
    connection, with the design's role, site and district as its data."""
    from govnet.labs.inventory_export import lab_inventory, write_lab_inventory
    from govnet.labs.netns import management_paths

    lab = lab_state(state)
    loaded = load_or_exit(design, as_json)
    hosts = lab_inventory(lab, loaded, management_paths(lab))
    written = write_lab_inventory(out_dir, hosts)
    if as_json:
        emit_json({"out": str(out_dir), "files": [str(p) for p in written], "hosts": len(hosts)})
        return
    out.print(f"wrote {out_dir}: {len(hosts)} routers ({', '.join(p.name for p in written)})")
