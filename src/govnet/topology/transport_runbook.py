"""The runbook of a :class:`~govnet.topology.transport_migration.TransportMigration`: Markdown
for the change review, HTML with every config diff, JSON for machines, and each stage's design
directory (the source design with only ``topology/network.yaml`` changed) to push.

One context (:func:`runbook_context`) feeds both the Markdown and the HTML template, so the two
always say the same thing.
"""

from __future__ import annotations

import shutil
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

from markupsafe import Markup
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from govnet.design import DESIGN_FOLDERS, NETWORK_FILE
from govnet.html import PAGE_STYLE, page_environment
from govnet.topology.models import Network
from govnet.topology.transport_migration import (
    ConfigChange,
    RouteCheck,
    Stage,
    TransportMigration,
)
from govnet.yamlio import write_atomically

CURRENT = "the current design"

MARKDOWN = """\
# Transport migration of {{ name }}: {{ start }} → {{ target }}

{% if not stages %}
Nothing to do: the design's transport is already {{ target }}.
{% else %}
Starting state: {{ start_state | map('code') | join(', ') }}.
{% if waves %}

Waves of egress PEs (their SRv6 routes become preferred by every ingress PE, one wave per stage):

{% for wave in waves %}
{{ loop.index }}. {{ wave | join(", ") }}
{% endfor %}
{% endif %}

Each stage is a design directory, `{{ out }}/<stage>/`: the design with only `{{ network_file }}`
changed. Push a stage with `govnet push --design {{ out }}/<stage> --baseline-design <previous>
--commit` once the previous one is verified (`<previous>` is the stage before, or the current
design, `<design>`, before stage 1: the baseline then checks what the devices run now); roll it
back by pushing the previous stage's directory ({{ current }} before stage 1). The checks say
how each VPN route must resolve on each ingress PE after the stage
(`--json` lists every ingress, egress and VRF).

| # | stage | devices changed | unchanged | routes switched |
|---|---|---:|---:|---:|
{% for s in stages %}
| {{ s.number }} | {{ s.directory }} | {{ s.changed | length }} | {{ s.unchanged }} | {{ s.switched }} |
{% endfor %}
{% for s in stages %}

## Stage {{ s.number }}: {{ s.title }}

- Directory: `{{ out }}/{{ s.directory }}`; `{{ network_file }}`: {{ s.state | map('code') | join(', ') }}
- Push: `govnet push --design {{ out }}/{{ s.directory }} --baseline-design {{ s.baseline }} --hosts {{ s.hosts }} --commit`
- Before: {{ s.before }}
- After: {{ s.after }}
- Rollback: push {{ s.rollback }} (the same {{ s.changed | length }} devices change back)
{% if s.caution %}
- Caution: {{ s.caution }}
{% endif %}

| device | platform | lines added | lines removed |
|---|---|---:|---:|
{% for d in s.changed %}
| {{ d.device }} | {{ d.platform }} | {{ d.added }} | {{ d.removed }} |
{% endfor %}

Post checks, per egress PE (its routes on every ingress PE that shares a VRF with it):

| egress PE | transport | next hop | SRv6 locator | ingress PEs | VRFs |
|---|---|---|---|---:|---:|
{% for e in s.egresses %}
| {{ e.egress }} | {{ e.transport }}{% if e.switched %} (switched){% endif %} | {{ e.next_hop }} | {{ e.locator }} | {{ e.ingresses }} | {{ e.vrfs }} |
{% endfor %}
{% endfor %}
{% endif %}
"""

HTML = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Transport migration of {{ name }}</title>
<style>{{ style }}
pre { background: #f8f8f8; padding: 0.5em; overflow-x: auto; font-size: 0.85em; }
.add { color: #080; } .del { color: #c00; }
</style></head><body>
<h1>Transport migration of {{ name }}: {{ start }} → {{ target }}</h1>
{% if not stages %}
<p>Nothing to do: the design's transport is already {{ target }}.</p>
{% else %}
<p>Starting state: {{ start_state | map('code') | join(', ') }}.</p>
{% if waves %}<ol>{% for wave in waves %}<li>{{ wave | join(", ") }}</li>{% endfor %}</ol>{% endif %}
<p>Each stage is a design directory, <code>{{ out }}/&lt;stage&gt;/</code>: push it with
<code>govnet push --design {{ out }}/&lt;stage&gt; --baseline-design &lt;previous&gt; --commit</code>
once the previous one is verified (the stage before, or the current design before stage 1, as
the baseline: what the devices run now); roll it back by pushing the previous stage's directory ({{ current }} before stage 1).</p>
<table><tr><th>#</th><th>stage</th><th>devices changed</th><th>unchanged</th><th>routes switched</th></tr>
{% for s in stages %}<tr><td>{{ s.number }}</td><td><a href="#{{ s.directory }}">{{ s.directory }}</a></td><td>{{ s.changed | length }}</td><td>{{ s.unchanged }}</td><td>{{ s.switched }}</td></tr>
{% endfor %}</table>
{% for s in stages %}
<h2 id="{{ s.directory }}">Stage {{ s.number }}: {{ s.title }}</h2>
<ul>
<li>Directory: <code>{{ out }}/{{ s.directory }}</code>; <code>{{ network_file }}</code>: {{ s.state | map('code') | join(', ') }}</li>
<li>Push: <code>govnet push --design {{ out }}/{{ s.directory }} --baseline-design {{ s.baseline }} --hosts {{ s.hosts }} --commit</code></li>
<li>Before: {{ s.before }}</li><li>After: {{ s.after }}</li>
<li>Rollback: push {{ s.rollback }} (the same {{ s.changed | length }} devices change back)</li>
{% if s.caution %}<li class="bad">Caution: {{ s.caution }}</li>{% endif %}
</ul>
<table><tr><th>egress PE</th><th>transport</th><th>next hop</th><th>SRv6 locator</th><th>ingress PEs</th><th>VRFs</th></tr>
{% for e in s.egresses %}<tr><td>{{ e.egress }}</td><td{% if e.switched %} class="ok"{% endif %}>{{ e.transport }}{% if e.switched %} (switched){% endif %}</td><td>{{ e.next_hop }}</td><td>{{ e.locator }}</td><td>{{ e.ingresses }}</td><td>{{ e.vrfs }}</td></tr>
{% endfor %}</table>
{% for d in s.changed %}
<details><summary>{{ d.device }} ({{ d.platform }}): +{{ d.added }} −{{ d.removed }}</summary>
<pre>{% for line in d.lines %}{% if line.startswith("+") %}<span class="add">{{ line }}</span>{% elif line.startswith("-") %}<span class="del">{{ line }}</span>{% else %}{{ line }}{% endif %}
{% endfor %}</pre></details>
{% endfor %}
{% endfor %}
{% endif %}
</body></html>
"""


def describe_state(network: Network) -> list[str]:
    """The ``network.yaml`` lines of a transport state (each printed as code)."""
    transport = f"transport: {network.transport.value}"
    knobs = network.dual_transport
    if knobs is None:
        return [transport]
    preferred = knobs.srv6_preferred
    shown = f"[{', '.join(preferred)}]" if isinstance(preferred, list) else preferred
    add_path = str(knobs.add_path).lower()
    return [transport, f"dual_transport: {{add_path: {add_path}, srv6_preferred: {shown}}}"]


def _checks_summary(checks: tuple[RouteCheck, ...]) -> str:
    counts = Counter(c.transport for c in checks)
    return (
        f"{len(checks)} VPN routes (ingress PE, egress PE, VRF): {counts['mpls']} over MPLS, "
        f"{counts['srv6']} over SRv6"
    )


def _changed(change: ConfigChange) -> list[dict[str, Any]]:
    rows = []
    for diff in change.diffs:
        lines = diff.diff.splitlines()
        body = [line for line in lines if not line.startswith(("---", "+++"))]
        rows.append(
            {
                "device": diff.device,
                "platform": diff.platform,
                "added": sum(line.startswith("+") for line in body),
                "removed": sum(line.startswith("-") for line in body),
                "lines": lines,
            }
        )
    return rows


def _egresses(stage: Stage) -> list[dict[str, Any]]:
    switched = {c.egress for c in stage.switched}
    by_egress: dict[str, list[RouteCheck]] = {}
    for check in stage.post_checks:
        by_egress.setdefault(check.egress, []).append(check)
    return [
        {
            "egress": egress,
            "transport": checks[0].transport,
            "next_hop": checks[0].next_hop,
            "locator": checks[0].locator or "-",
            "ingresses": len({c.ingress for c in checks}),
            "vrfs": len({c.vrf for c in checks}),
            "switched": egress in switched,
        }
        for egress, checks in sorted(by_egress.items())
    ]


def runbook_context(migration: TransportMigration, out: str) -> dict[str, Any]:
    """What both runbook templates print; ``out`` is how the stage directories' parent is
    named in the commands ("<out>" when none is written)."""
    network = migration.design.network
    stages = []
    for stage in migration.stages:
        previous = migration.stages[stage.number - 2].directory if stage.number > 1 else None
        stages.append(
            {
                "number": stage.number,
                "title": stage.title,
                "directory": stage.directory,
                "state": describe_state(stage.design.network),
                "before": _checks_summary(stage.pre_checks),
                "after": _checks_summary(stage.post_checks),
                "switched": len(stage.switched),
                "rollback": f"`{out}/{previous}`" if previous else CURRENT,
                "baseline": f"{out}/{previous}" if previous else "<design>",
                "changed": _changed(stage.change),
                "hosts": ",".join(stage.change.devices),
                "unchanged": stage.change.unchanged,
                "egresses": _egresses(stage),
                "caution": stage.caution,
            }
        )
    return {
        "name": network.name,
        "start": network.transport.value,
        "start_state": describe_state(network),
        "target": migration.target.value,
        "waves": [list(w) for w in migration.waves],
        "out": out,
        "network_file": NETWORK_FILE,
        "current": CURRENT,
        "stages": stages,
        "style": PAGE_STYLE,
    }


def _render(template: str, context: dict[str, Any], html: bool) -> str:
    env = page_environment(html)
    env.filters["code"] = _html_code if html else _markdown_code
    return env.from_string(template).render(**context)


def _markdown_code(text: str) -> str:
    return f"`{text}`"


def _html_code(text: str) -> Markup:
    return Markup("<code>{}</code>").format(text)


def runbook_markdown(migration: TransportMigration, out: str = "<out>") -> str:
    return _render(MARKDOWN, runbook_context(migration, out), html=False)


def runbook_html(migration: TransportMigration, out: str = "<out>") -> str:
    return _render(HTML, runbook_context(migration, out), html=True)


def runbook_json(migration: TransportMigration) -> dict[str, Any]:
    """Everything, for machines. A stage's pre checks are the previous stage's post checks
    (``initial_checks`` before stage 1), so each list is given once."""
    network = migration.design.network
    first = migration.stages[0].pre_checks if migration.stages else ()
    return {
        "design": network.name,
        "start": _network_json(network),
        "target": migration.target.value,
        "nothing_to_do": migration.nothing_to_do,
        "waves": [list(w) for w in migration.waves],
        "initial_checks": [c.as_json() for c in first],
        "stages": [
            {
                "number": s.number,
                "name": s.name,
                "title": s.title,
                "directory": s.directory,
                "network": _network_json(s.design.network),
                "changed": s.change.devices,
                "unchanged": s.change.unchanged,
                "diffs": {d.device: d.diff for d in s.change.diffs},
                "rollback_diffs": {d.device: d.diff for d in s.rollback.change.diffs},
                "caution": s.caution,
                "switched": [c.as_json() for c in s.switched],
                "post_checks": [c.as_json() for c in s.post_checks],
            }
            for s in migration.stages
        ],
    }


def _network_json(network: Network) -> dict[str, Any]:
    knobs = network.dual_transport
    return {
        "transport": network.transport.value,
        "dual_transport": knobs.model_dump(mode="json") if knobs else None,
    }


# --- the stage directories --------------------------------------------------------------------


def stage_network_yaml(source: str, network: Network) -> str:
    """``topology/network.yaml`` of a stage: the source text with ``transport`` set and
    ``dual_transport`` set (right after it) or removed; comments and the rest kept."""
    yaml = YAML()
    yaml.width = 4096
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(source)
    data["transport"] = network.transport.value
    data.pop("dual_transport", None)
    knobs = network.dual_transport
    if knobs is not None:
        block = CommentedMap()
        block["add_path"] = knobs.add_path
        preferred = knobs.srv6_preferred
        if isinstance(preferred, list):
            names = CommentedSeq(preferred)
            names.fa.set_flow_style()
            block["srv6_preferred"] = names
        else:
            block["srv6_preferred"] = preferred
        data.insert(list(data).index("transport") + 1, "dual_transport", block)
    stream = StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def write_stage_designs(migration: TransportMigration, out: Path) -> list[Path]:
    """Each stage as a design directory under ``out`` (replaced if it exists)."""
    root = migration.design.root
    source = (root / NETWORK_FILE).read_text(encoding="utf-8")
    written = []
    for stage in migration.stages:
        target = out / stage.directory
        if target.exists():
            shutil.rmtree(target)
        for folder in (*DESIGN_FOLDERS, "templates"):
            if (root / folder).is_dir():
                shutil.copytree(root / folder, target / folder)
        write_atomically(target / NETWORK_FILE, stage_network_yaml(source, stage.design.network))
        written.append(target)
    return written
