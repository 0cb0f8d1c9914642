"""`govnet ipv6 report`: the migration team's weekly page, HTML with PNG charts.

Charts: coverage over time (overall, user-facing and per district, from the dated snapshots in
ipv6/status/ plus today), burn-down per wave (sites not yet at the wave's target state over
time, with the due date marked), and the address plan's utilisation per level and per pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from jinja2 import Environment, StrictUndefined

from govnet.design import Design
from govnet.html import PAGE_STYLE
from govnet.ipv6.coverage import Coverage
from govnet.ipv6.models import STATE_ORDER
from govnet.ipv6.progress import Progress, Snapshot, snapshot
from govnet.topology.summary import pool_usage_rows


@dataclass(frozen=True)
class Ipv6Report:
    index: Path
    figures: list[Path]


def _timeline(history: list[Snapshot], today: Snapshot) -> list[Snapshot]:
    points = {s.date: s for s in history}
    points[today.date] = today
    return [points[d] for d in sorted(points)]


def _coverage_chart(points: list[Snapshot], out: Path) -> None:
    dates = [p.date for p in points]
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 5.5), dpi=110)
    left.plot(
        dates,
        [100 * p.overall.dual_or_better for p in points],
        marker="o",
        label="all interfaces: dual or IPv6-only",
    )
    left.plot(
        dates,
        [100 * p.user_facing.dual_or_better for p in points],
        marker="o",
        label="user-facing: dual or IPv6-only",
    )
    left.plot(
        dates,
        [100 * p.user_facing.ipv6_only for p in points],
        marker="s",
        label="user-facing: IPv6-only",
    )
    left.set_title("IPv6 coverage over time")
    left.set_ylabel("% of interfaces")
    left.set_ylim(0, 105)
    left.legend(fontsize=8, loc="upper left")
    districts = sorted({d for p in points for d in p.by_district})
    for district in districts:
        right.plot(
            dates,
            [
                100 * p.by_district[district].dual_or_better if district in p.by_district else 0
                for p in points
            ],
            marker="o",
            label=district,
        )
    right.set_title("dual-stack or better, by district")
    right.set_ylim(0, 105)
    right.legend(fontsize=8, loc="upper left")
    for ax in (left, right):
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))  # type: ignore[no-untyped-call]
        ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def _burndown_chart(design: Design, points: list[Snapshot], out: Path) -> None:
    fig, ax = plt.subplots(figsize=(12, 5.5), dpi=110)
    dates = mdates.date2num([p.date for p in points])  # type: ignore[no-untyped-call]
    for wave in design.waves.waves:
        target = STATE_ORDER[wave.target_state]
        remaining = [
            sum(
                1
                for s in wave.sites
                if STATE_ORDER.get(p.sites.get(s, design.waves.baseline), 0) < target
            )
            for p in points
        ]
        (line,) = ax.plot(
            dates,
            remaining,
            marker="o",
            label=f"{wave.name} ({len(wave.sites)} sites, due {wave.due})",
        )
        due = float(mdates.date2num(wave.due))  # type: ignore[no-untyped-call]
        ax.axvline(due, color=line.get_color(), ls=":", lw=1)
    ax.set_title("burn-down per wave: sites not yet at the wave's target state (dotted: due date)")
    ax.set_ylabel("sites remaining")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))  # type: ignore[no-untyped-call]
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def _utilisation_chart(design: Design, out: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5), dpi=110)
    plan = design.ipv6_plan
    if plan is not None:
        levels = plan.level_use()
        left.barh([u.level for u in levels], [100 * u.utilisation for u in levels], color="#2a6f97")
        for i, use in enumerate(levels):
            left.text(
                100 * use.utilisation + 1, i, f"{use.used}/{use.capacity}", va="center", fontsize=8
            )
        left.set_xlim(0, 110)
        left.invert_yaxis()
        left.set_title(f"IPv6 plan {plan.prefix}: use of each level (after growth reserves)")
        left.set_xlabel("% of the slots that may be allocated")
    else:
        left.text(0.5, 0.5, "no ipv6/plan.yaml", ha="center")
        left.axis("off")
    rows = pool_usage_rows(design)
    names = [f"{kind}\n{row['prefix']}" for kind, row in rows.items()]
    shares = [100 * row["used"] / row["usable"] if row["usable"] else 0.0 for row in rows.values()]
    labels = [
        f"{row['used']:,} used ({share:.2g}%)"
        for row, share in zip(rows.values(), shares, strict=True)
    ]
    right.barh(names, shares, color="#ff7f0e")
    for i, label in enumerate(labels):
        right.text(shares[i] + 0.5, i, label, va="center", fontsize=8)
    right.invert_yaxis()
    right.set_xscale("symlog", linthresh=1)
    right.set_title("infrastructure pools: % used (log scale)")
    right.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>IPv6 migration: {{ name }}</title>
<style>{{ style | safe }}</style></head><body>
<h1>IPv6 migration — {{ name }}, {{ today }}</h1>
<p>User-facing interfaces: {{ "%.1f" % (100 * user.dual_or_better) }}% dual-stack or better,
{{ "%.1f" % (100 * user.ipv6_only) }}% IPv6-only; all interfaces: {{ "%.1f" % (100 * overall.dual_or_better) }}%.
Services ready (AAAA and reachable over IPv6): {{ "%.0f" % (100 * services_ready) }}%.</p>
<h2>Coverage over time</h2><img src="coverage.png" alt="coverage over time">
<h2>Waves</h2><img src="burndown.png" alt="burn-down per wave">
<table><tr><th>wave</th><th>target</th><th>due</th><th>done</th><th>status</th><th>sites at target</th></tr>
{% for w in waves %}<tr><td>{{ w.name }}</td><td>{{ w.target_state }}</td><td>{{ w.due }}</td><td>{{ w.done or "—" }}</td>
<td class="{{ 'late' if w.status == 'late' else ('ok' if w.status == 'done' else '') }}">{{ w.status }}{{ " (%d days)" % w.days_late if w.days_late else "" }}</td>
<td>{{ w.sites_at_target }}/{{ w.sites }}</td></tr>{% endfor %}</table>
<table><tr><th>milestone</th><th>IPv6-only target</th><th>actual</th><th>met</th></tr>
{% for m in milestones %}<tr><td>{{ m.date }}</td><td>{{ "%.0f" % (100 * m.target) }}%</td>
<td>{{ "—" if m.actual is none else "%.1f%%" % (100 * m.actual) }}</td>
<td>{{ "—" if m.met is none else ("yes" if m.met else "no") }}</td></tr>{% endfor %}</table>
<h2>By district</h2><table><tr><th>district</th><th>interfaces</th><th>v4-only</th><th>dual</th><th>v6-only</th></tr>
{% for name, s in districts.items() %}<tr><td>{{ name }}</td><td>{{ s.total }}</td><td>{{ s.v4_only }}</td><td>{{ s.dual }}</td><td>{{ s.v6_only }}</td></tr>{% endfor %}</table>
<h2>Addresses</h2><img src="utilisation.png" alt="prefix utilisation">
{% if disagreements %}<h2>Sources disagree</h2><table><tr><th>subject</th><th>design</th><th>other</th><th>source</th></tr>
{% for d in disagreements %}<tr><td>{{ d.subject }}</td><td>{{ d.design }}</td><td>{{ d.other }}</td><td>{{ d.source }}</td></tr>{% endfor %}</table>{% endif %}
</body></html>
"""


def write_ipv6_report(
    design: Design,
    current: Coverage,
    result: Progress,
    history: list[Snapshot],
    today: date,
    out: Path,
) -> Ipv6Report:
    out.mkdir(parents=True, exist_ok=True)
    points = _timeline(history, snapshot(design, current, today))
    figures = [out / "coverage.png", out / "burndown.png", out / "utilisation.png"]
    _coverage_chart(points, figures[0])
    _burndown_chart(design, points, figures[1])
    _utilisation_chart(design, figures[2])
    page = Environment(undefined=StrictUndefined, autoescape=True).from_string(PAGE)
    index = out / "index.html"
    index.write_text(
        page.render(
            style=PAGE_STYLE,
            name=design.network.name,
            today=today,
            user=current.user_facing,
            overall=current.overall,
            services_ready=current.services_ready,
            waves=result.waves,
            milestones=result.milestones,
            districts=current.by_district,
            disagreements=current.disagreements[:50],
        ),
        encoding="utf-8",
    )
    return Ipv6Report(index, figures)
