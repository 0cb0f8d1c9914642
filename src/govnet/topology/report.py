"""`govnet report`: an HTML page with PNG figures for planners.

Figures: the ring diagram coloured by each site's redundancy status, the failure heatmap
(scenario x site: how many targets the site loses) and link utilisation, normal against the
worst single link or duct failure. Tables: policy results, the worst failures, the busiest links.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
from jinja2 import Environment, StrictUndefined

from govnet.checks.policies import PolicyResult, evaluate
from govnet.design import Design
from govnet.html import PAGE_STYLE
from govnet.topology.capacity import CapacityReport
from govnet.topology.capacity import analyse as capacity_analyse
from govnet.topology.draw import draw_design
from govnet.topology.failure_report import FailureReport, build_report
from govnet.topology.targets import user_sites

STATUS_COLOURS = {
    "cut off by one failure (link, device or duct)": "#d62728",
    "survives any one failure, not any two links": "#ff9f1c",
    "survives any two link failures": "#2ca02c",
}
MAX_HEATMAP_ROWS = 40
MAX_HEATMAP_COLUMNS = 60
MAX_UTILISATION_BARS = 30


@dataclass(frozen=True)
class Report:
    index: Path
    figures: list[Path]


def redundancy_status(graph: nx.MultiGraph, failures: FailureReport) -> dict[str, str]:
    """Device -> colour: red if a single failure cuts its site off, amber if only a double link
    failure does, green otherwise (user devices only)."""
    single: set[str] = set()
    double: set[str] = set()
    for scenario in failures.scenarios:
        if scenario.kind != "cut":
            continue
        sites = {loss.site for losses in scenario.cut_off.values() for loss in losses}
        (double if scenario.scope == "double" else single).update(sites)
    red, amber, green = STATUS_COLOURS.values()
    status = {}
    for site, devices in user_sites(graph).items():
        colour = red if site in single else amber if site in double else green
        for device in devices:
            status[device] = colour
    return status


def _heatmap(failures: FailureReport, out: Path) -> None:
    rows = [s for s in failures.scenarios if s.kind == "cut"][:MAX_HEATMAP_ROWS]
    sites = sorted({loss.site for s in rows for losses in s.cut_off.values() for loss in losses})[
        :MAX_HEATMAP_COLUMNS
    ]
    matrix = np.zeros((len(rows), len(sites)))
    for i, scenario in enumerate(rows):
        for losses in scenario.cut_off.values():
            for loss in losses:
                if loss.site in sites:
                    matrix[i, sites.index(loss.site)] += 1
    fig, ax = plt.subplots(
        figsize=(max(8, 0.32 * len(sites) + 5), max(4, 0.32 * len(rows) + 2)), dpi=110
    )
    if rows and sites:
        image = ax.imshow(
            matrix, cmap="Reds", vmin=0, vmax=max(3, len(failures.targets)), aspect="auto"
        )
        ax.set_xticks(range(len(sites)), sites, rotation=70, ha="right", fontsize=8)
        labels = [f"[{s.scope}] {s.description}"[:70] for s in rows]
        ax.set_yticks(range(len(rows)), labels, fontsize=8)
        bar = fig.colorbar(image, ax=ax, fraction=0.03, ticks=range(len(failures.targets) + 1))
        bar.set_label("targets lost (cloud DC, DR DC, Internet)")
    else:
        ax.text(0.5, 0.5, "no failure cuts any site off", ha="center", va="center")
        ax.axis("off")
    ax.set_title("failures that cut sites off (worst first)")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def _utilisation(capacity: CapacityReport, out: Path) -> None:
    links = list(capacity.loads[:MAX_UTILISATION_BARS])
    fig, ax = plt.subplots(figsize=(12, max(4, 0.3 * len(links) + 1.5)), dpi=110)
    y = np.arange(len(links))
    ax.barh(
        y - 0.2,
        [100 * link.normal_utilisation for link in links],
        height=0.4,
        label="normal",
        color="#1f77b4",
    )
    ax.barh(
        y + 0.2,
        [100 * link.worst_utilisation for link in links],
        height=0.4,
        label="worst single link or duct failure",
        color="#ff7f0e",
    )
    ax.axvline(
        100 * capacity.threshold,
        color="#d62728",
        ls="--",
        label=f"threshold {100 * capacity.threshold:.0f}%",
    )
    ax.set_yticks(
        y, [f"{link.link} ({link.capacity_mbps / 1000:.0f}G)" for link in links], fontsize=8
    )
    ax.invert_yaxis()
    ax.set_xlabel("utilisation of the busier direction (%)")
    ax.set_title(f"the {len(links)} links with the highest worst-case utilisation")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>govnet report: {{ name }}</title>
<style>{{ style | safe }}</style></head><body>
<h1>{{ name }} — failure and capacity report</h1>
<p>{{ devices }} devices, {{ sites }} user sites; targets: {{ targets }}.
Failure analysis: {{ "%.3f" % failure_seconds }} s; capacity sweep of {{ scenarios }} scenarios: {{ "%.3f" % capacity_seconds }} s.</p>
<h2>Policies</h2>
<table><tr><th>policy</th><th>checked</th><th>violations</th><th>title</th></tr>
{% for r in policies %}<tr><td>{{ r.policy }}</td><td>{{ r.checked }}</td>
<td class="{{ 'bad' if r.violations else 'ok' }}">{{ r.violations | length }}</td><td>{{ r.title | e }}</td></tr>
{% endfor %}</table>
{% if violations %}<table><tr><th>subject</th><th>policy</th><th>evidence</th></tr>
{% for v in violations %}<tr><td>{{ v.subject }}</td><td>{{ v.policy }}</td><td>{{ v.evidence | e }}</td></tr>{% endfor %}
</table>{% endif %}
<h2>Redundancy by site</h2><img src="rings.png" alt="ring diagram coloured by redundancy">
<h2>Failures</h2><img src="heatmap.png" alt="failure heatmap">
<table><tr><th>scope</th><th>failure</th><th>effect</th><th>sites</th></tr>
{% for s in worst %}<tr><td>{{ s.scope }}</td><td>{{ s.description | e }}</td><td>{{ s.effect }}</td><td>{{ s.sites | e }}</td></tr>{% endfor %}
</table>
<h2>Capacity</h2><img src="utilisation.png" alt="link utilisation">
<table><tr><th>link</th><th>capacity</th><th>normal</th><th>worst</th><th>worst when</th></tr>
{% for link in links %}<tr><td>{{ link.link }}</td><td>{{ "%.0f" % link.capacity_mbps }} Mb/s</td>
<td>{{ "%.0f" % (100 * link.normal_utilisation) }}%</td>
<td class="{{ 'bad' if link.worst_utilisation > threshold else '' }}">{{ "%.0f" % (100 * link.worst_utilisation) }}%</td>
<td>{{ link.worst_scenario | e }}</td></tr>{% endfor %}
</table>
</body></html>
"""


def write_report(design: Design, graph: nx.MultiGraph, out: Path) -> Report:
    out.mkdir(parents=True, exist_ok=True)
    failures = build_report(graph)
    capacity = capacity_analyse(design, graph)
    policies: list[PolicyResult] = evaluate(design, graph, design.policies)
    rings, heatmap, utilisation = out / "rings.png", out / "heatmap.png", out / "utilisation.png"
    draw_design(
        design,
        graph,
        rings,
        status=redundancy_status(graph, failures),
        legend=STATUS_COLOURS,
        title=f"{design.network.name}: redundancy of each site against link, device and duct failures",
    )
    _heatmap(failures, heatmap)
    _utilisation(capacity, utilisation)
    worst = []
    for scenario in [s for s in failures.scenarios if s.kind == "cut"][:25]:
        first = next(iter(scenario.cut_off.values()))
        effect = "cut off" + (f" ({scenario.pairs} pairs)" if scenario.scope == "double" else "")
        worst.append(
            {
                "scope": scenario.scope,
                "description": scenario.description,
                "effect": effect,
                "sites": ", ".join(x.text() for x in first),
            }
        )
    page = Environment(undefined=StrictUndefined, autoescape=True).from_string(PAGE)
    text = page.render(
        style=PAGE_STYLE,
        name=html.escape(design.network.name),
        devices=len(design.hosts),
        sites=failures.sites,
        targets=", ".join(failures.targets),
        failure_seconds=failures.seconds,
        capacity_seconds=capacity.timings.total_s,
        scenarios=capacity.scenarios,
        policies=policies,
        violations=[v for r in policies for v in r.violations],
        worst=worst,
        links=capacity.loads[:25],
        threshold=capacity.threshold,
    )
    index = out / "index.html"
    index.write_text(text, encoding="utf-8")
    return Report(index, [rings, heatmap, utilisation])
