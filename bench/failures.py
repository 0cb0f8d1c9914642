"""Failure-analysis benchmark: govnet's linear-time engine against the naive networkx loop.

For the reference city and generated designs of about 2,000 and 20,000 devices: the time of the
whole analysis (single link, device, duct and double link failures, every target) and of the
grouped report, and in the same run the naive loop (remove the failed links, search the graph
again) per scope. Where the naive loop would take more than a minute, a random sample of its
scenarios is timed and the total extrapolated; the table says so.
Targets (failure issue) at 20,000 devices: single + duct + double link failures under 2 s;
peak memory under 2 GB.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = 40
BUDGET_S = 60.0


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def naive_cut(
    graph: nx.MultiGraph, sink_edges: list[tuple[str, str]], failed: list[tuple[str, str, str]]
) -> int:
    g = nx.MultiGraph(graph)
    g.add_edges_from(sink_edges)
    g.remove_edges_from(failed)
    return g.number_of_nodes() - len(nx.node_connected_component(g, "__sink__"))


def measure(design_dir: Path) -> dict[str, object]:
    from govnet.design import load_design
    from govnet.topology.failure_report import build_report
    from govnet.topology.failures import analyse
    from govnet.topology.graph import build_graph
    from govnet.topology.targets import target_nodes

    graph = build_graph(load_design(design_dir))
    started = time.perf_counter()
    analyse(graph)
    analysed = time.perf_counter() - started
    started = time.perf_counter()
    build_report(graph)
    reported = time.perf_counter() - started
    # the naive loop, one target (the cloud DC), timed per scenario on a sample
    gateways = target_nodes(graph)["cloud-dc"]
    sink_edges = [("__sink__", g) for g in gateways]
    edges = list(graph.edges(keys=True))
    ducts: dict[str, list[tuple[str, str, str]]] = {}
    for a, b, k, data in graph.edges(keys=True, data=True):
        for duct in data["ducts"]:
            ducts.setdefault(duct, []).append((a, b, k))
    rng = random.Random(1)
    scopes = {
        "single": (len(edges), lambda: [rng.choice(edges)]),
        "srlg": (len(ducts), lambda: ducts[rng.choice(sorted(ducts))]),
        "double": (len(edges) * (len(edges) - 1) // 2, lambda: rng.sample(edges, 2)),
    }
    naive: dict[str, dict[str, float | bool]] = {}
    for scope, (count, draw) in scopes.items():
        started = time.perf_counter()
        runs = 0
        while runs < SAMPLE and (runs < count):
            naive_cut(graph, sink_edges, draw())
            runs += 1
        per = (time.perf_counter() - started) / max(runs, 1)
        total = per * count * len(target_nodes(graph))
        naive[scope] = {
            "scenarios": count,
            "seconds": total,
            "extrapolated": total > BUDGET_S or runs < count,
        }
    return {
        "devices": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "analyse": analysed,
        "report": reported,
        "naive": naive,
        "peak_mb": _peak_mb(),
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(Path(sys.argv[2]))))
        return
    from govnet.topology.generate import ProvinceSpec, write_province

    console = Console(width=150)
    with tempfile.TemporaryDirectory(prefix="govnet-bench-failures-") as tmp:
        designs = [("reference city", ROOT)]
        for label, spec in (
            ("~2,000 devices", ProvinceSpec(cities=2)),
            ("~20,000 devices", ProvinceSpec(cities=21)),
        ):
            path = Path(tmp) / label.strip("~").replace(",", "").replace(" ", "-")
            with console.status(f"generating {label}"):
                write_province(spec, path)
            designs.append((label, path))
        table = Table(
            title="failure analysis: govnet against the naive networkx loop", title_justify="left"
        )
        for column in (
            "design",
            "devices",
            "govnet analysis s",
            "+ grouped report s",
            "naive single s",
            "naive duct s",
            "naive double s",
            "speed-up",
            "peak MB",
        ):
            table.add_column(column, justify="left" if column == "design" else "right")
        notes = []
        for label, path in designs:
            with console.status(f"measuring {label}"):
                result = subprocess.run(
                    [sys.executable, __file__, "--measure", str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
            m = json.loads(result.stdout)
            naive = m["naive"]
            cells = []
            for scope in ("single", "srlg", "double"):
                mark = "*" if naive[scope]["extrapolated"] else ""
                cells.append(f"{naive[scope]['seconds']:,.1f}{mark}")
            naive_total = sum(naive[s]["seconds"] for s in naive)
            table.add_row(
                label,
                f"{m['devices']:,}",
                f"{m['analyse']:.3f}",
                f"{m['report']:.3f}",
                *cells,
                f"{naive_total / m['analyse']:,.0f}x",
                f"{m['peak_mb']:.0f}",
            )
            if label.startswith("~20"):
                verdict = "met" if m["analyse"] < 2 else "MISSED"
                memory = "met" if m["peak_mb"] < 2048 else "MISSED"
                notes.append(
                    f"20,000 devices: all single, node, duct and double link failures for every target in "
                    f"{m['analyse']:.2f} s (target < 2 s: {verdict}); peak {m['peak_mb']:.0f} MB (target < 2 GB: {memory})"
                )
        table.caption = f"* naive time extrapolated from {SAMPLE} random scenarios per scope and target (all 3 targets)"
        console.print(table)
        for note in notes:
            console.print(note)


if __name__ == "__main__":
    main()
