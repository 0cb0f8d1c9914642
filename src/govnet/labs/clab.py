"""A containerlab topology of a design, for people who have Docker (``govnet export-clab``).

Kinds by platform, from containerlab's kind documentation and node code:

- ``huawei_vrp`` -> kind ``huawei_vrp`` (a vrnetlab VM in a container). Endpoints are the
  container's ``ethN``; ``eth0`` is management, ``eth1`` the VM's first data port
  (``Ethernet1/0/0`` inside VRP), ``eth2`` the second and so on. No VRP-style aliases.
- ``iosxr`` -> kind ``cisco_xrd`` (XRd control-plane). containerlab only accepts endpoints named
  ``Gi0-0-0-N`` (it checks ``^Gi0-0-0-\\d+$``) and maps each to ``GigabitEthernet0/0/0/N`` in
  XR through ``XR_INTERFACES``.
- ``junos`` -> kind ``juniper_crpd`` (cRPD routes over the container's Linux interfaces):
  ``eth0`` management, ``eth1`` the first data interface.
- ``frr`` (and every node with ``frr_everywhere``) -> kind ``linux`` with the public FRR image,
  ``eth0`` management, data on ``ethN``; ``frr.conf`` and ``daemons`` are bind mounts, as
  containerlab's FRR examples for the ``linux`` kind do.

Where a kind can only use ``ethN``, a device's links get the lab names of
:meth:`IntentBuilder.lab_names` (ethN in the order of the device's link keys), the names the
FRR lab configs use. XRd keeps the design's port number of 0/0/0/N ports.

The vendor configs are the production renderings: their interface names (``100GE1/0/0``,
``HundredGigE0/0/0/0``, ``et-0/0/0``) are not the names a virtual node has, so those nodes boot
with a config whose interfaces must be renamed by hand. ``frr_everywhere`` gives a topology whose
configs match their interfaces exactly and that needs no licensed image.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any

import networkx as nx

from govnet.design import Design
from govnet.inventory.platforms import Platform
from govnet.templates.build import IntentBuilder, build_intents
from govnet.templates.intent import DeviceIntent
from govnet.templates.render import CONFIG_SUFFIX
from govnet.yamlio import dump_yaml, write_atomically

LINUX = "linux"
KIND_OF: dict[Platform, str] = {
    Platform.HUAWEI_VRP: "huawei_vrp",
    Platform.IOSXR: "cisco_xrd",
    Platform.JUNOS: "juniper_crpd",
    Platform.FRR: LINUX,
}

FRR_IMAGE = "quay.io/frrouting/frr:8.4.4"
# Licensed images nobody can pull: the user builds (vrnetlab) or loads (docker load) them and sets
# the name here or in the exported file. These names are placeholders.
PLACEHOLDER_IMAGES: dict[str, str] = {
    "huawei_vrp": "vrnetlab/huawei_vrp:ne40e",
    "cisco_xrd": "ios-xr/xrd-control-plane:latest",
    "juniper_crpd": "crpd:latest",
}
IMAGES: dict[str, str] = {**PLACEHOLDER_IMAGES, LINUX: FRR_IMAGE}

# Files every FRR node mounts, written next to the topology by write_clab.
DAEMONS_FILE = "govnet-frr-daemons"
VTYSH_FILE = "govnet-frr-vtysh.conf"
_FRR_DAEMONS = ("zebra", "bgpd", "isisd", "ldpd", "bfdd", "staticd")
_ALL_DAEMONS = (
    "zebra",
    "bgpd",
    "ospfd",
    "ospf6d",
    "ripd",
    "ripngd",
    "isisd",
    "pimd",
    "ldpd",
    "nhrpd",
    "eigrpd",
    "babeld",
    "sharpd",
    "pbrd",
    "bfdd",
    "fabricd",
    "vrrpd",
    "pathd",
    "staticd",
)
SUPPORT_FILES: dict[str, str] = {
    DAEMONS_FILE: "".join(f"{d}={'yes' if d in _FRR_DAEMONS else 'no'}\n" for d in _ALL_DAEMONS)
    + "\nvtysh_enable=yes\n"
    + 'zebra_options="  -A 127.0.0.1 -s 90000000"\n'
    + "".join(
        f'{d}_options="  -A {"::1" if d.endswith("6d") or d == "ripngd" else "127.0.0.1"}"\n'
        for d in _ALL_DAEMONS
        if d != "zebra"
    ),
    VTYSH_FILE: "service integrated-vtysh-config\n",
}
VRF_TABLE_BASE = 10_000  # Linux VRF table = base + VPN id (clear of 253-255)

_XR_PORT = re.compile(r"[A-Za-z]+0/0/0/(\d+)")
_XRD_NAME = "Gi0-0-0-{}"


def kind_of(platform: Platform, frr_everywhere: bool = False) -> str:
    return LINUX if frr_everywhere else KIND_OF[platform]


def _eth_number(name: str) -> int:
    return int(name.removeprefix("eth"))


def endpoint_names(builder: IntentBuilder, device: str, kind: str) -> dict[str, str]:
    """The design's interface name of each of ``device``'s links -> its name in containerlab."""
    lab = builder.lab_names(device)
    if kind != "cisco_xrd":
        return lab
    # XRd only has Gi0-0-0-N: a port 0/0/0/N of the design keeps its N (HundredGigE0/0/0/3 ->
    # Gi0-0-0-3, GigabitEthernet0/0/0/3 inside XRd); other slots, bundles and clashes take the
    # lowest free numbers in the lab order.
    result: dict[str, str] = {}
    for name in lab:  # lab order
        match = _XR_PORT.fullmatch(name)
        if match and _XRD_NAME.format(int(match.group(1))) not in result.values():
            result[name] = _XRD_NAME.format(int(match.group(1)))
    free = (n for n in itertools.count() if _XRD_NAME.format(n) not in result.values())
    for name in lab:
        if name not in result:
            result[name] = _XRD_NAME.format(next(free))
    return {name: result[name] for name in lab}


def _frr_exec(intent: DeviceIntent, linked: set[str]) -> list[str]:
    """Make the interfaces the lab config expects: a dummy for each port whose peer is not in the
    lab (uplinks, the LAN, out-of-scope links), the VRF devices, the 802.1Q sub-interfaces, and
    each interface in its VRF."""
    commands: list[str] = []
    for iface in intent.interfaces:
        if iface.kind not in ("loopback", "subinterface") and iface.name not in linked:
            commands.append(f"ip link add {iface.name} type dummy")
    for vrf in sorted(intent.vrfs, key=lambda v: v.name):
        commands += [
            f"ip link add {vrf.name} type vrf table {VRF_TABLE_BASE + vrf.id}",
            f"ip link set {vrf.name} up",
        ]
    for iface in intent.interfaces:
        if iface.kind == "subinterface" and iface.parent is not None and iface.vlan is not None:
            commands.append(
                f"ip link add link {iface.parent} name {iface.name} type vlan id {iface.vlan}"
            )
    for iface in intent.interfaces:
        if iface.kind == "loopback":
            continue
        if iface.vrf:
            commands.append(f"ip link set {iface.name} master {iface.vrf}")
        if iface.name not in linked:  # containerlab brings up the linked ones
            commands.append(f"ip link set {iface.name} up")
    return commands


def _rel(path: PurePosixPath) -> str:
    return path.as_posix()


def clab_topology(
    design: Design,
    graph: nx.MultiGraph,
    configs_dir: Path,
    scope: set[str] | None = None,
    frr_everywhere: bool = False,
    base: Path | None = None,
) -> dict[str, Any]:
    """The containerlab topology of the design's managed devices (those in ``scope``).

    ``configs_dir`` is where ``govnet render --lab`` wrote the configs. Paths in the topology are
    relative to the topology file's folder, as containerlab reads them: give that folder as
    ``base``, or give ``configs_dir`` already relative to it (it is written as given).
    """
    hosts = sorted(h for h in design.hosts if scope is None or h in scope)
    unknown = sorted((scope or set()) - set(design.hosts))
    if unknown:
        raise ValueError(f"not managed devices of the design: {', '.join(unknown)}")
    configs = PurePosixPath(
        Path(os.path.relpath(configs_dir, base)).as_posix()
        if base is not None
        else configs_dir.as_posix()
    )
    builder = IntentBuilder(design, graph, lab=True)
    kinds = {h: kind_of(design.hosts[h].platform, frr_everywhere) for h in hosts}
    names = {h: endpoint_names(builder, h, kinds[h]) for h in hosts}

    selected = set(hosts)
    links: list[dict[str, Any]] = []
    linked: dict[str, set[str]] = {h: set() for h in hosts}
    for a, b, _key, data in sorted(graph.edges(keys=True, data=True), key=lambda e: e[2]):
        if a not in selected or b not in selected:
            continue
        ends = sorted((a, b))
        endpoints = []
        for device in ends:
            name = names[device][data["interfaces"][device]]
            linked[device].add(name)
            endpoints.append(f"{device}:{name}")
        links.append({"endpoints": endpoints})

    frr_hosts = [h for h in hosts if kinds[h] == LINUX]
    intents = build_intents(design, graph, frr_hosts, lab=True) if frr_hosts else {}
    nodes: dict[str, dict[str, Any]] = {}
    for host in hosts:
        kind = kinds[host]
        if kind == LINUX:
            nodes[host] = {
                "kind": kind,
                "binds": [
                    f"{_rel(configs / 'lab' / f'{host}.conf')}:/etc/frr/frr.conf",
                    f"{DAEMONS_FILE}:/etc/frr/daemons",
                    f"{VTYSH_FILE}:/etc/frr/vtysh.conf",
                ],
            }
            commands = _frr_exec(intents[host], linked[host])
            if commands:
                nodes[host]["exec"] = commands
        else:
            platform = design.hosts[host].platform
            config = configs / platform.value / f"{host}{CONFIG_SUFFIX[platform]}"
            nodes[host] = {"kind": kind, "startup-config": _rel(config)}

    used = sorted(set(kinds.values()))
    return {
        "name": f"govnet-{design.network.name}",
        "topology": {
            "kinds": {kind: {"image": IMAGES[kind]} for kind in used},
            "nodes": nodes,
            "links": links,
        },
    }


def _header(topology: dict[str, Any]) -> str:
    kinds = topology.get("topology", {}).get("kinds", {})
    lines = [
        "# containerlab topology exported by govnet (govnet export-clab): export again rather",
        "# than edit; the images of the licensed kinds are the user's to set.",
        "# Deploy: containerlab deploy -t <this file>   (needs Docker; paths are relative to it)",
    ]
    placeholders = sorted(
        k for k, v in kinds.items() if k in PLACEHOLDER_IMAGES and v.get("image") == IMAGES[k]
    )
    if placeholders:
        lines.append("# PLACEHOLDER images: licensed, not pullable. Build or load them yourself")
        lines.append("# and set the image name of each kind below:")
        lines += [f"#   {k}: {PLACEHOLDER_IMAGES[k]}" for k in placeholders]
    return "\n".join(lines) + "\n"


def _support_files(topology: dict[str, Any]) -> list[str]:
    nodes = topology.get("topology", {}).get("nodes", {})
    binds = {b.split(":")[0] for node in nodes.values() for b in node.get("binds", [])}
    return sorted(name for name in SUPPORT_FILES if name in binds)


def write_clab(topology: dict[str, Any], out: Path) -> Path:
    """Write the topology as block-style YAML (atomically), plus the FRR files its nodes mount,
    next to it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    for name in _support_files(topology):
        path = out.parent / name
        if not (path.is_file() and path.read_text(encoding="utf-8") == SUPPORT_FILES[name]):
            write_atomically(path, SUPPORT_FILES[name])
    return write_atomically(out, dump_yaml(topology, header=_header(topology)))
