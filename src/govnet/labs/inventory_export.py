"""The running lab as a Nornir SimpleInventory a user's own scripts can load.

Each router is a host whose ``hostname`` is its network namespace and whose platform is
``frr``; its connection options name govnet's ``frr_netns`` plugin (an entry point, so
``InitNornir`` finds it) with the management path the lab checks before every session. The
design's facts a script filters on (role, site, district) are the host's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from govnet.design import Design
from govnet.labs.frr_connection import CONNECTION_NAME, ManagementPath
from govnet.labs.netns import LabState
from govnet.yamlio import dump_yaml, write_atomically

HOSTS_FILE = "hosts.yaml"
GROUPS_FILE = "groups.yaml"
DEFAULTS_FILE = "defaults.yaml"


def lab_inventory(
    state: LabState, design: Design, paths: Mapping[str, ManagementPath]
) -> dict[str, Any]:
    """device -> its SimpleInventory host entry."""
    hosts: dict[str, Any] = {}
    for device, namespace in sorted(state.routers.items()):
        host = design.hosts.get(device)
        entry: dict[str, Any] = {"hostname": namespace, "platform": "frr"}
        if device in paths:
            entry["connection_options"] = {CONNECTION_NAME: {"extras": paths[device].as_extras()}}
        if host is not None:
            entry["data"] = {
                "role": host.role.value,
                "site": host.site,
                "district": host.district,
                "model": host.data.model,
            }
        hosts[device] = entry
    return hosts


def write_lab_inventory(out_dir: Path, hosts: Mapping[str, Any]) -> list[Path]:
    header = "# The running govnet lab as a Nornir SimpleInventory (govnet lab inventory).\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {HOSTS_FILE: dict(hosts), GROUPS_FILE: {}, DEFAULTS_FILE: {}}
    return [
        write_atomically(out_dir / name, dump_yaml(data, header)) for name, data in files.items()
    ]
