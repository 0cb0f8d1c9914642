"""Lab benchmark: bring-up-to-converged time of the FRR namespace lab and failover times.

Measured side by side in one run on this machine: the core plus two rings (12 routers), the
backbone of ~50 routers (metro cores, aggregation and every town of all seven rings: every IS-IS
router of the rings) and the whole reference design (62 routers, with the WAN, DC, egress and
bureau routers). Each is brought up, its rendered configs pushed through Nornir, converged and
verified, then torn down. On the whole design, failovers are measured on ring links of
different rings, for carrier loss and for silent loss (pings every 50 ms; the design's BFD,
50 ms x 3). For comparison, the silent cuts of the small lab's ring links are measured with the
design's BFD and again with 100 ms x 3 (the same design, only that timer changed), the timer
the design had before, and the CPU bfdd takes with each. Every failover starts from a settled
network (every router's SPF back-off quiet).
Targets (lab issue): 60 routers converged in under 30 s; silent-cut failover under 300 ms.

Safe delivery (issue 12), on the whole reference, per router, each against what it costs
without: opening a connection with the management-path probe (a ping of the router's loopback
from the vantage metro core) against opening one without; a commit with the confirm timer
(``revert_in``: spawn the router's timer, record it) plus ``confirm_commit`` against a plain
commit of the same one-line change; and the post-commit check's read of the running config.
``python bench/lab.py safety`` measures only that.
Needs root and FRR; says so and exits 0 otherwise.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table

from govnet.design import Design, load_design, reference_design_path
from govnet.labs.faults import failover
from govnet.labs.frr_connection import FrrNamespace, FrrNamespaceDevice
from govnet.labs.netns import (
    LabError,
    LabState,
    core_and_rings,
    down,
    management_paths,
    wait_converged,
)
from govnet.labs.workflow import BringUp, bring_up
from govnet.topology.graph import build_graph

CUTS_PER_MODE = 7  # one ring link of each first-level ring
SLOWER_BFD_MS = 100  # the design's timer before: 300 ms to detect alone


def main() -> None:
    console = Console()
    if os.geteuid() != 0 or shutil.which("vtysh") is None:
        console.print("lab benchmark skipped: needs root and FRR")
        return
    design = load_design(reference_design_path())
    graph = build_graph(design)
    if sys.argv[1:] == ["safety"]:
        with tempfile.TemporaryDirectory() as folder:
            state_file = Path(folder) / "state.json"
            try:
                bring_up(design, graph, set(design.hosts), state_file, timeout=120)
                console.print(safety_table(LabState.load(state_file)))
            finally:
                down(state_file)
        return
    rings = [r.name for r in design.rings if r.level == 1]
    scopes = {
        "core + R1 + R3": core_and_rings(design, ["R1", "R3"]),
        "core + all rings": core_and_rings(design, rings),
        "whole reference": set(design.hosts),
    }
    rows: list[tuple[str, BringUp]] = []
    safety: Table | None = None
    failovers = []
    whole_bfdd: float | None = None
    with tempfile.TemporaryDirectory() as folder:
        for name, scope in scopes.items():
            state_file = Path(folder) / f"{len(scope)}.json"
            try:
                report = bring_up(design, graph, scope, state_file, timeout=120)
                rows.append((name, report))
                if name == "whole reference":
                    state = LabState.load(state_file)
                    whole_bfdd = daemon_cpu(state, "bfdd")
                    safety = safety_table(state)
                    ring_of = {
                        key: data["ring"]
                        for _, _, key, data in graph.edges(keys=True, data=True)
                        if data["kind"] == "ring"
                    }
                    chosen: dict[str, str] = {}
                    for key in sorted(state.veths):
                        ring = ring_of.get(key)
                        first_hop = any(end in ("dg-mc-01", "dg-mc-02") for end in key.split("--"))
                        if ring and ring not in chosen and not first_hop:
                            chosen[ring] = key
                    for link in list(chosen.values())[:CUTS_PER_MODE]:
                        for mode in ("carrier", "silent"):
                            failovers.append(failover(state, link, mode, before=1.0, after=3.0))
                            wait_converged(state, 60)
            finally:
                down(state_file)

    table = Table(title="lab bring-up (this machine, 2 cores)", title_justify="left")
    columns = ("scope", "routers", "daemons s", "push s", "converge s", "verify s", "total s")
    for column in (*columns, "verified"):
        table.add_column(column, justify="left" if column == "scope" else "right")
    for name, r in rows:
        table.add_row(
            name,
            str(r.routers),
            f"{r.started_s:.1f}",
            f"{r.pushed_s:.1f}",
            f"{r.converged_s:.1f}",
            f"{r.verified_s:.1f}",
            f"{r.total_s:.1f}",
            "all ok" if not r.failed else f"failed: {', '.join(r.failed)}",
        )
    console.print(table)
    up_to_converged = {name: r.started_s + r.pushed_s + r.converged_s for name, r in rows}
    for name, seconds in up_to_converged.items():
        console.print(f"{name}: up to converged {seconds:.1f} s")
    console.print("target: 60 routers converged in under 30 s")
    if safety is not None:
        console.print(safety)
    if whole_bfdd is not None:
        console.print(f"whole reference at rest: bfdd uses {whole_bfdd:.2f} of the cores")

    by_mode = Table(title="failover per cut (pings every 50 ms)", title_justify="left")
    for column in ("mode", "cuts", "median ms", "max ms", "links"):
        by_mode.add_column(column)
    for mode in ("carrier", "silent"):
        outages = [f.outage_ms for f in failovers if f.mode == mode]
        if not outages:
            continue
        by_mode.add_row(
            mode,
            str(len(outages)),
            f"{statistics.median(outages):.0f}",
            f"{max(outages):.0f}",
            ", ".join(f"{f.link}={f.outage_ms:.0f}" for f in failovers if f.mode == mode),
        )
    console.print(by_mode)
    igp = design.network.igp
    console.print(
        f"target: silent-cut failover under 300 ms with BFD ({igp.bfd_interval_ms} ms x "
        f"{igp.bfd_multiplier})"
    )

    timers = Table(title="silent cuts on R1 and R3 (12 routers) by BFD timer", title_justify="left")
    for column in ("BFD", "cuts", "median ms", "max ms", "bfdd cores at rest"):
        timers.add_column(column)
    for interval in (design.network.igp.bfd_interval_ms, SLOWER_BFD_MS):
        outages, cpu = silent_cuts(design, interval)
        multiplier = design.network.igp.bfd_multiplier
        timers.add_row(
            f"{interval} ms x {multiplier}",
            str(len(outages)),
            f"{statistics.median(outages):.0f}",
            f"{max(outages):.0f}",
            f"{cpu:.2f}",
        )
    console.print(timers)


COMMIT_SAMPLE_STEP = 5
MARK = (
    " description router id, BGP and management source\n",
    " description router id, BGP and management source (bench)\n",
)


def per_router(routers: list[str], measure: Callable[[str], float]) -> tuple[float, float]:
    """(median ms per router, measured one at a time; wall ms for all of them, 8 at a time)."""
    one_by_one = [measure(router) for router in routers]
    clock = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(measure, routers))
    return statistics.median(one_by_one) * 1000, (time.perf_counter() - clock) * 1000


def timed(action: Callable[[], object]) -> float:
    clock = time.perf_counter()
    action()
    return time.perf_counter() - clock


def safety_table(state: LabState) -> Table:
    """What the management probe and the confirm timer cost per router, side by side with
    the same step without them, on every IS-IS router of the running lab."""
    paths = management_paths(state)
    routers = sorted(paths)
    # a commit takes seconds on a loaded machine: every fifth router for those
    sample = routers[::COMMIT_SAMPLE_STEP]

    def open_plain(device: str) -> float:
        return timed(lambda: FrrNamespace().open(state.routers[device], None, None, None, "frr"))

    def open_probed(device: str) -> float:
        extras = paths[device].as_extras()
        return timed(
            lambda: FrrNamespace().open(state.routers[device], None, None, None, "frr", extras)
        )

    def commit(device: str, confirmed: bool) -> float:
        """Commit the one-line change (timed), then put the config back (not timed)."""
        router = FrrNamespaceDevice(state.routers[device])
        running = router.running_config()
        router.load_replace_candidate(config=running.replace(*MARK))
        router.compare_config()

        def apply() -> None:
            if confirmed:
                router.commit_config(revert_in=300)
                FrrNamespaceDevice(state.routers[device]).confirm_commit()
            else:
                router.commit_config()

        seconds = timed(apply)
        router.rollback()
        return seconds

    def read(device: str) -> float:
        return timed(FrrNamespaceDevice(state.routers[device]).running_config)

    def timer_rss_mb(device: str) -> float:
        """The resident memory of the router's confirm timer while its commit is pending."""
        router = FrrNamespaceDevice(state.routers[device])
        router.load_replace_candidate(config=router.running_config().replace(*MARK))
        router.commit_config(revert_in=300)
        pending = router.pending()
        assert pending is not None
        time.sleep(1.0)  # imported and waiting
        status = Path(f"/proc/{pending.timer_pid}/status").read_text()
        rss = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
        router.rollback()
        return int(rss.split()[1]) / 1024

    rows = [
        (
            f"open a connection: + management probe ({len(routers)} routers)",
            per_router(routers, open_plain),
            per_router(routers, open_probed),
        ),
        (
            f"commit one line: + confirm timer and confirm ({len(sample)} routers)",
            per_router(sample, lambda d: commit(d, False)),
            per_router(sample, lambda d: commit(d, True)),
        ),
    ]
    table = Table(title="safe delivery: cost per router, without and with", title_justify="left")
    for column in ("step", "without", "with", "added", "all, 8 at a time"):
        table.add_column(column, justify="left" if column == "step" else "right")
    for step, (plain, plain_all), (safe, safe_all) in rows:
        table.add_row(
            step,
            f"{plain:.0f} ms",
            f"{safe:.0f} ms",
            f"{safe - plain:+.0f} ms",
            f"{plain_all / 1000:.1f} s -> {safe_all / 1000:.1f} s",
        )
    check, check_all = per_router(sample, read)
    table.add_row("post-commit check: its read of the running config", "-", f"{check:.0f} ms",
                  f"+{check:.0f} ms", f"{check_all / 1000:.1f} s")  # fmt: skip
    rss = statistics.median(timer_rss_mb(d) for d in sample[:3])
    table.add_row("a pending confirm timer (process RSS)", "-", f"{rss:.0f} MB", "", "")
    return table


def daemon_cpu(state: LabState, daemon: str, seconds: float = 5.0) -> float:
    """Cores the lab's ``daemon`` processes (by their recorded PIDs) use together at rest."""

    def ticks() -> int:
        total = 0
        for pids in state.pids.values():
            stat = Path(f"/proc/{pids[daemon]}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total

    before = ticks()
    time.sleep(seconds)
    return (ticks() - before) / os.sysconf("SC_CLK_TCK") / seconds


def silent_cuts(design: Design, bfd_interval_ms: int) -> tuple[list[float], float]:
    """Silent-cut outages on every ring link of the small lab whose traffic can be probed,
    with the design's BFD interval replaced by ``bfd_interval_ms``; and bfdd's CPU at rest."""
    igp = design.network.igp.model_copy(update={"bfd_interval_ms": bfd_interval_ms})
    variant = dataclasses.replace(design, network=design.network.model_copy(update={"igp": igp}))
    graph = build_graph(variant)
    rings = {k for _, _, k, data in graph.edges(keys=True, data=True) if data["kind"] == "ring"}
    outages = []
    with tempfile.TemporaryDirectory() as folder:
        state_file = Path(folder) / "state.json"
        try:
            bring_up(variant, graph, core_and_rings(variant, ["R1", "R3"]), state_file)
            state = LabState.load(state_file)
            cpu = daemon_cpu(state, "bfdd")
            for link in sorted(k for k in state.veths if k in rings):
                try:
                    outages.append(failover(state, link, "silent", before=1.0, after=2.5).outage_ms)
                except LabError:
                    continue  # no neighbour routes across it (a first hop from the cores)
                wait_converged(state, 60)
        finally:
            down(state_file)
    return outages, cpu


if __name__ == "__main__":
    main()
