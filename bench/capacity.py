"""Capacity benchmark: the failure sweep (every link, every duct) fast against naive.

Measured side by side in one run, each case in a fresh process (peak memory is the process's
own high-water mark, VmHWM, which includes loading the design and building the graph):
  * the reference city and generated provinces (2 cities, and 21 cities ~ 21,000 devices);
  * the fast sweep (:func:`govnet.topology.capacity.sweep`: incremental repair of the normal
    routing, only for the destinations a failure touches) over the single-link failures, and
    over all scenarios inside the whole ``analyse`` (compile, normal routing, sweep, report);
  * the naive loop (:func:`govnet.topology.capacity.sweep_full`: every destination re-routed from
    scratch in every scenario, itself vectorised with scipy and numpy). When the naive loop
    would take more than a minute it runs on a random sample of scenarios (fixed seed) and its
    total is extrapolated from the sample's mean; the table says so. The fast sweep's loads and
    lost demand are compared with the naive loop's on every scenario the naive loop ran.
Target (capacity issue): the sweep over all single failures of ~20,000 devices under 5 s.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 5.0
NAIVE_BUDGET_SECONDS = 60.0  # beyond this the naive loop is sampled and extrapolated
NAIVE_SAMPLE_SECONDS = 20.0  # about how long the sample may run
PROBE = 5  # scenarios timed to estimate the naive loop
SEED = 7


def _peak_mb() -> float:
    # ru_maxrss survives exec (it would report the parent's size); VmHWM is this image's own
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load(design: Path) -> tuple[Any, Any, float]:
    from govnet.design import load_design
    from govnet.topology.graph import build_graph

    started = time.perf_counter()
    loaded = load_design(design)
    graph = build_graph(loaded)
    return loaded, graph, time.perf_counter() - started


def measure_fast(design: Path) -> dict[str, Any]:
    from govnet.topology.capacity import analyse, compile_network, failure_scenarios, solve, sweep

    loaded, graph, load_s = _load(design)
    before = _peak_mb()
    report = analyse(loaded, graph)
    peak = _peak_mb()
    net = compile_network(graph, loaded.demands)
    links = [s for s in failure_scenarios(graph, net) if s.name.startswith("link ")]
    normal = solve(net)
    started = time.perf_counter()
    deque(sweep(net, normal, links), maxlen=0)
    links_s = time.perf_counter() - started
    return {
        "devices": report.devices,
        "links": report.links,
        "destinations": report.destinations,
        "scenarios": report.scenarios,
        "link_scenarios": len(links),
        "overloaded": len(report.overloaded),
        "load_s": load_s,
        "compile_s": report.timings.compile_s,
        "normal_s": report.timings.normal_s,
        "sweep_s": report.timings.sweep_s,
        "analyse_s": report.timings.total_s,
        "links_sweep_s": links_s,
        "peak_before_mb": before,
        "peak_mb": peak,
    }


def _difference(net: Any, normal: Any, change: Any, state: Any) -> float:
    """Largest gap between the fast sweep's loads and lost demand and the naive loop's."""
    loads = normal.loads.copy()
    for key, value in change.delta.items():
        loads[key] += value
    for edge in change.scenario.edges:
        loads[2 * edge] = loads[2 * edge + 1] = 0.0
    lost = dict(normal.lost)
    for (node, d), mbps in change.lost.items():
        demand = (net.sites[node], net.destinations[d].site)
        lost[demand] = lost.get(demand, 0.0) + mbps
    gaps = [float(abs(loads - state.loads).max(initial=0.0))]
    gaps += [abs(lost.get(k, 0.0) - state.lost.get(k, 0.0)) for k in set(lost) | set(state.lost)]
    return max(gaps)


def measure_naive(design: Path) -> dict[str, Any]:
    from govnet.topology.capacity import (
        compile_network,
        failure_scenarios,
        solve,
        sweep,
        sweep_full,
    )

    loaded, graph, _ = _load(design)
    net = compile_network(graph, loaded.demands)
    scenarios = failure_scenarios(graph, net)
    normal = solve(net)
    order = random.Random(SEED).sample(scenarios, len(scenarios))
    started = time.perf_counter()
    deque(sweep_full(net, order[:PROBE]), maxlen=0)
    per_scenario = (time.perf_counter() - started) / min(PROBE, len(order))
    sampled = per_scenario * len(scenarios) > NAIVE_BUDGET_SECONDS
    chosen = order[: max(PROBE, int(NAIVE_SAMPLE_SECONDS / per_scenario))] if sampled else scenarios
    changes = sweep(net, normal, chosen)
    naive = sweep_full(net, chosen)
    naive_s, gap = 0.0, 0.0
    for change in changes:
        started = time.perf_counter()
        _, state = next(naive)
        naive_s += time.perf_counter() - started
        gap = max(gap, _difference(net, normal, change, state))
    return {
        "naive_run": len(chosen),
        "naive_run_s": naive_s,
        "naive_s": naive_s / len(chosen) * len(scenarios),
        "sampled": sampled,
        "max_gap": gap,
        "peak_mb": _peak_mb(),
    }


def run_case(design: Path, mode: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--measure", str(design), "--mode", mode],
        check=True,
        capture_output=True,
        text=True,
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _naive_text(naive: dict[str, Any]) -> str:
    if naive["sampled"]:
        return (
            f"≈{naive['naive_s']:,.0f} (extrapolated from {naive['naive_run']} "
            f"in {naive['naive_run_s']:.0f} s)"
        )
    return f"{naive['naive_s']:,.2f} (all)"


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="left" if column == "design" else "right")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="fast", help=argparse.SUPPRESS)
    parser.add_argument("--cities", type=int, nargs="*", default=[2, 21])
    args = parser.parse_args()
    if args.measure:
        measure = measure_fast if args.mode == "fast" else measure_naive
        print(json.dumps(measure(args.measure)))
        return

    from govnet.topology.generate import ProvinceSpec, write_province

    console = Console(width=150)
    with tempfile.TemporaryDirectory(prefix="govnet-bench-") as tmp:
        cases = [("reference city", ROOT)]
        for cities in args.cities:
            province = Path(tmp) / f"province-{cities}"
            with console.status(f"generating a {cities}-city province"):
                write_province(ProvinceSpec(cities=cities), province)
            cases.append((f"province, {cities} cities", province))
        fast_table = _table(
            "capacity analysis (fast sweep)",
            "design",
            "devices",
            "links",
            "dests",
            "scenarios",
            "compile+normal s",
            "sweep links s",
            "sweep all s",
            "analyse s",
            "peak MB",
        )
        naive_table = _table(
            "the same scenarios, naive loop (every destination from scratch)",
            "design",
            "naive, all scenarios s",
            "fast sweep s",
            "speed-up",
            "max |fast - naive|",
            "peak MB",
        )
        results = []
        for label, design in cases:
            with console.status(f"{label}: fast"):
                fast = run_case(design, "fast")
            with console.status(f"{label}: naive"):
                naive = run_case(design, "naive")
            results.append((label, fast))
            fast_table.add_row(
                label,
                f"{fast['devices']:,}",
                f"{fast['links']:,}",
                str(fast["destinations"]),
                f"{fast['scenarios']:,}",
                f"{fast['compile_s'] + fast['normal_s']:.2f}",
                f"{fast['links_sweep_s']:.2f}",
                f"{fast['sweep_s']:.2f}",
                f"{fast['analyse_s']:.2f}",
                f"{fast['peak_before_mb']:.0f} → {fast['peak_mb']:.0f}",
            )
            naive_table.add_row(
                label,
                _naive_text(naive),
                f"{fast['sweep_s']:.2f}",
                f"{naive['naive_s'] / fast['sweep_s']:,.0f}x",
                f"{naive['max_gap']:.1e} Mb/s",
                f"{naive['peak_mb']:.0f}",
            )
        console.print(fast_table)
        console.print(
            "peak MB: the process's high-water mark after loading the design and building the "
            "graph → after the analysis"
        )
        console.print(naive_table)
        label, largest = results[-1]
        verdict = "met" if largest["links_sweep_s"] < TARGET_SECONDS else "MISSED"
        console.print(
            f"{label} ({largest['devices']:,} devices): sweep over {largest['link_scenarios']:,} "
            f"single-link failures {largest['links_sweep_s']:.2f} s (target < "
            f"{TARGET_SECONDS:.0f} s: {verdict}); with {largest['scenarios'] - largest['link_scenarios']:,} "
            f"duct failures {largest['sweep_s']:.2f} s; whole analysis {largest['analyse_s']:.2f} s"
        )


if __name__ == "__main__":
    main()
