"""Foundation benchmark: load + validate + graph build, time and peak memory.

Measured side by side in one run, each case in a fresh process (peak memory is the process's
own high-water mark, VmHWM):
  * the reference city and a generated 21-city province (~21,000 devices);
  * parsing the province's inventory/hosts.yaml with govnet's data parser (yaml_rs) against
    ruamel.yaml's safe and round-trip loaders: why govnet reads data fast and asks ruamel for
    line numbers only when it reports a problem.
Targets (foundation issue): under 10 s and under 2 GB for 20k devices.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 10.0
TARGET_MB = 2048


def measure(design: Path, mode: str) -> dict[str, float | int]:
    if mode.startswith("parse-"):
        text = (design / "inventory/hosts.yaml").read_text(encoding="utf-8")
        started = time.perf_counter()
        if mode == "parse-yaml_rs":
            import yaml_rs

            yaml_rs.loads(text, parse_datetime=False)
        else:
            from ruamel.yaml import YAML

            YAML(typ=mode.removeprefix("parse-ruamel-")).load(text)
        return {
            "total": time.perf_counter() - started,
            "peak_mb": _peak_mb(),
            "lines": text.count("\n"),
        }
    started = time.perf_counter()
    from govnet.design import load_design
    from govnet.topology.graph import build_graph

    loaded = load_design(design)
    after_load = time.perf_counter()
    graph = build_graph(loaded)
    done = time.perf_counter()
    return {
        "devices": len(loaded.hosts),
        "links": len(loaded.links),
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "load": after_load - started,
        "graph": done - after_load,
        "total": done - started,
        "peak_mb": _peak_mb(),
    }


def _peak_mb() -> float:
    # ru_maxrss survives exec (it would report the parent's size); VmHWM is this image's own
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(design: Path, mode: str) -> dict[str, float | int]:
    result = subprocess.run(
        [sys.executable, __file__, "--measure", str(design), "--mode", mode],
        check=True,
        capture_output=True,
        text=True,
    )
    data: dict[str, float | int] = json.loads(result.stdout)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="govnet", help=argparse.SUPPRESS)
    parser.add_argument("--cities", type=int, default=21)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.mode)))
        return

    from govnet.topology.generate import ProvinceSpec, write_province

    console = Console(width=150)
    with tempfile.TemporaryDirectory(prefix="govnet-bench-") as tmp:
        province = Path(tmp) / "province"
        with console.status(f"generating a {args.cities}-city province"):
            started = time.perf_counter()
            stats = write_province(ProvinceSpec(cities=args.cities), province)
            generated = time.perf_counter() - started
        console.print(
            f"generated {stats['devices']} devices, {stats['links']} links in {generated:.1f} s"
        )
        cases = [("reference city", ROOT), (f"province, {args.cities} cities", province)]
        table = Table(title="load + validate + graph build", title_justify="left")
        for column in (
            "design",
            "devices",
            "links",
            "load+check s",
            "graph s",
            "total s",
            "peak MB",
        ):
            table.add_column(column, justify="left" if column == "design" else "right")
        results = {}
        for label, design in cases:
            with console.status(label):
                result = run_case(design, "govnet")
            results[label] = result
            table.add_row(
                label,
                str(result["devices"]),
                str(result["links"]),
                f"{result['load']:.2f}",
                f"{result['graph']:.2f}",
                f"{result['total']:.2f}",
                f"{result['peak_mb']:.0f}",
            )
        console.print(table)
        parsers = Table(title="parsing the province's inventory/hosts.yaml", title_justify="left")
        for column in ("parser", "lines", "seconds", "peak MB", "vs govnet"):
            parsers.add_column(column, justify="left" if column == "parser" else "right")
        fast = None
        for label, mode in (
            ("yaml_rs (govnet's data path)", "parse-yaml_rs"),
            ("ruamel.yaml safe (pure Python)", "parse-ruamel-safe"),
            ("ruamel.yaml round-trip (line numbers)", "parse-ruamel-rt"),
        ):
            with console.status(label):
                result = run_case(province, mode)
            fast = fast or result["total"]
            parsers.add_row(
                label,
                str(result["lines"]),
                f"{result['total']:.2f}",
                f"{result['peak_mb']:.0f}",
                f"{result['total'] / fast:.1f}x",
            )
        console.print(parsers)
        ours = results[cases[1][0]]
        verdict_time = "met" if ours["total"] < TARGET_SECONDS else "MISSED"
        verdict_memory = "met" if ours["peak_mb"] < TARGET_MB else "MISSED"
        console.print(
            f"province of {ours['devices']} devices: {ours['total']:.2f} s (target < {TARGET_SECONDS:.0f} s: "
            f"{verdict_time}), peak {ours['peak_mb']:.0f} MB (target < {TARGET_MB} MB: {verdict_memory})"
        )


if __name__ == "__main__":
    main()
