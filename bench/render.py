"""Config rendering benchmark: govnet against netlab, seconds per device, in one run.

govnet: a generated ~1,000-device design; every device rendered in its own platform (Huawei
VRP, IOS-XR, Junos) and again as FRR for the lab, i.e. on all four platforms, from a loaded
design (intent building + Jinja rendering; the design load is shown apart).

netlab (`pip install networklab`, in its own virtualenv): `netlab create` on the equivalent FRR
topology (the same nodes and links, modules isis, bgp and srv6). netlab's time grows faster
than linearly with size (a 1,000-node `netlab create` used 12 GB of memory here and did not
finish in 10 minutes), so it is timed on equivalent designs of about 100 and 200 devices and
its best seconds-per-device is the one compared: the comparison flatters netlab.
Targets (configs issue): govnet under 5 s for the 1,000 devices, at least 20x netlab per device.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import networkx as nx
from rich.console import Console
from rich.table import Table

from govnet.design import load_design
from govnet.templates.render import render_design
from govnet.topology.generate import ProvinceSpec, write_province
from govnet.topology.graph import build_graph

ROOT = Path(__file__).resolve().parents[1]
NETLAB = ROOT / ".venv-netlab" / "bin" / "netlab"
BIG = ProvinceSpec(
    cities=1, rings_per_city=10, towns_per_ring=6, access_rings_per_town=2, access_ring_size=8
)
NETLAB_SIZES = {
    "~100": ProvinceSpec(
        cities=1, rings_per_city=3, towns_per_ring=4, access_rings_per_town=1, access_ring_size=6
    ),
    "~200": ProvinceSpec(
        cities=1, rings_per_city=4, towns_per_ring=5, access_rings_per_town=1, access_ring_size=8
    ),
}


def time_govnet(design_dir: Path) -> dict[str, float]:
    started = time.perf_counter()
    design = load_design(design_dir)
    loaded = time.perf_counter()
    configs = render_design(design, build_graph(design), lab=True)
    done = time.perf_counter()
    platforms = {c.path.parts[0] for c in configs}
    return {
        "devices": len(design.hosts),
        "configs": len(configs),
        "platforms": len(platforms),
        "load": loaded - started,
        "render": done - loaded,
    }


def netlab_topology(graph: nx.MultiGraph) -> str:
    """The same nodes and links as an FRR netlab topology (nodes renamed rNNNN: netlab reads
    dashes in link strings as separators)."""
    names = {node: f"r{i:04d}" for i, node in enumerate(sorted(graph.nodes))}
    lines = [
        "provider: clab",
        "defaults.device: frr",
        f"defaults.const.MAX_NODE_ID: {len(names) + 10}",
        "module: [ isis, bgp, srv6 ]",
        "bgp.as: 65000",
        "addressing.loopback.ipv4: 10.0.0.0/16",
        "addressing.loopback.ipv6: 2001:db8:1::/48",
        "addressing.p2p.ipv4: 10.16.0.0/12",
        "addressing.p2p.ipv6: 2001:db8:2::/48",
        "addressing.mgmt.ipv4: 172.16.0.0/16",
        "nodes:",
        *(f"  {names[n]}: {{}}" for n in sorted(graph.nodes)),
        "links:",
        *(f"- {names[a]}-{names[b]}" for a, b in graph.edges()),
    ]
    return "\n".join(lines) + "\n"


def time_netlab(design_dir: Path, work: Path) -> dict[str, float]:
    design = load_design(design_dir)
    graph = build_graph(design)
    graph.remove_nodes_from([n for n, d in graph.nodes(data=True) if not d["managed"]])
    work.mkdir(parents=True, exist_ok=True)
    (work / "topology.yml").write_text(netlab_topology(graph), encoding="utf-8")
    started = time.perf_counter()
    result = subprocess.run(
        [str(NETLAB), "create"], cwd=work, capture_output=True, text=True, timeout=900
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"netlab create failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return {"devices": graph.number_of_nodes(), "seconds": elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-netlab", action="store_true", help="time govnet only")
    args = parser.parse_args()
    console = Console(width=150)
    with tempfile.TemporaryDirectory(prefix="govnet-bench-render-") as tmp:
        work = Path(tmp)
        write_province(BIG, work / "big")
        with console.status("govnet: rendering ~1,000 devices on four platforms"):
            ours = time_govnet(work / "big")
        table = Table(title="rendering configs", title_justify="left")
        for column in ("tool", "devices", "configs", "seconds", "ms/device"):
            table.add_column(column, justify="left" if column == "tool" else "right")
        per_device = ours["render"] / ours["devices"]
        table.add_row(
            f"govnet render, {ours['platforms']:.0f} platforms (+{ours['load']:.2f} s design load)",
            f"{ours['devices']:.0f}",
            f"{ours['configs']:.0f}",
            f"{ours['render']:.2f}",
            f"{1000 * per_device:.2f}",
        )
        netlab_best = None
        if not args.skip_netlab and NETLAB.exists():
            for label, spec in NETLAB_SIZES.items():
                write_province(spec, work / label)
                with console.status(f"netlab create, {label} devices"):
                    theirs = time_netlab(work / label, work / f"netlab{label}")
                seconds_per = theirs["seconds"] / theirs["devices"]
                netlab_best = min(netlab_best or seconds_per, seconds_per)
                table.add_row(
                    f"netlab create, FRR, isis+bgp+srv6 ({label})",
                    f"{theirs['devices']:.0f}",
                    f"{theirs['devices']:.0f}",
                    f"{theirs['seconds']:.2f}",
                    f"{1000 * seconds_per:.2f}",
                )
        console.print(table)
        verdict = "met" if ours["render"] < 5 else "MISSED"
        console.print(
            f"govnet: {ours['render']:.2f} s for {ours['devices']:.0f} devices on 4 platforms (target < 5 s: {verdict})"
        )
        if netlab_best is not None:
            ratio = netlab_best / per_device
            console.print(
                f"per device: govnet {1000 * per_device:.2f} ms, netlab (its best) {1000 * netlab_best:.1f} ms: "
                f"{ratio:.0f}x (target >= 20x: {'met' if ratio >= 20 else 'MISSED'})"
            )
        elif not args.skip_netlab:
            console.print(f"netlab not installed at {NETLAB} (make bench installs it)")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
