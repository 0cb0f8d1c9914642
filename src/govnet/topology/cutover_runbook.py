"""The runbook of a :class:`~govnet.topology.cutover.Cutover`: Markdown for the change-advisory
board, HTML with the same content, JSON for machines. One context (:func:`runbook_json`) feeds
all three, so they always say the same thing."""

from __future__ import annotations

from typing import Any

from govnet.html import PAGE_STYLE, page_environment
from govnet.topology.cutover import Check, Cutover, Step, merge_undo
from govnet.topology.transport_migration import ConfigChange

MARKDOWN = """\
{% macro checks_table(title, checks) %}
{% if checks %}
{{ title }}:

| device | command | expect |
|---|---|---|
{% for c in checks %}
| {{ c.device }} | `{{ c.command }}` | {{ c.expect }} |
{% endfor %}

{% endif %}
{% endmacro %}
# Cutover of {{ department }} into {{ vpn }} (VPN {{ vpn_id }})

Legacy network{% if name_zh %} {{ name_zh }}{% endif %}: {{ sites | length }} sites, gateway
{{ gateway.name }} ({{ gateway.address }}) at {{ gateway.site }}, services
{{ services | join(", ") or "none" }}.

| site | legacy prefixes | leased lines to | switched at step |
|---|---|---|---:|
{% for s in sites %}
| {{ s.site }} | {{ s.prefixes | join(", ") }} | {{ s.legacy_links | join(", ") or "-" }} | {{ s.step or "-" }} |
{% endfor %}

Switch order (each site farthest from the gateway over the leased lines still in use, so every
other site keeps its path): {{ order | join(" → ") or "nothing left to switch" }}.

Each step: push the devices' diff (`govnet push --hosts <devices> --commit` with the design of
that state), do the legacy-side actions in the same window, run the post-checks; on a failed
check roll the step back (the reverse diff and the legacy-side rollback) before the next.
{% for step in steps %}

## Step {{ step.number }}: {{ step.title }}

{% if step.legacy_actions %}
Legacy side:

{% for a in step.legacy_actions %}
- {{ a }}
{% endfor %}

{% endif %}
Reach after the step: {% for site, how in step.reach.items() %}{{ site }} {{ how }}{% if not loop.last %}, {% endif %}{% endfor %}.

{{ checks_table("Pre-checks", step.pre_checks) -}}
{% if step.changed %}
Config ({{ step.changed | length }} device(s) changed, {{ step.unchanged }} unchanged):
{% for d in step.changed %}

### {{ d.device }} ({{ d.platform }})

```diff
{{ d.diff }}```
{% endfor %}
{% else %}
Config: no extranet device changes.
{% endif %}

{{ checks_table("Post-checks", step.post_checks) -}}
Rollback:

{% for a in step.rollback_actions %}
- {{ a }}
{% endfor %}
{% for d in step.rollback %}

```diff
{{ d.diff }}```
{% endfor %}
{% for device, lines in step.rollback_commands.items() %}

On {{ device }} (VRP loads by merge: pushing the state before leaves the added lines), enter:

```
{{ lines | join("\n") }}
```
{% endfor %}
{% endfor %}
"""

HTML = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Cutover of {{ department }}</title>
<style>{{ style }}
pre { background: #f8f8f8; padding: 0.5em; overflow-x: auto; font-size: 0.85em; }
</style></head><body>
<h1>Cutover of {{ department }} into {{ vpn }} (VPN {{ vpn_id }})</h1>
<p>Gateway {{ gateway.name }} ({{ gateway.address }}) at {{ gateway.site }}; services
{{ services | join(", ") or "none" }}.</p>
<table><tr><th>site</th><th>legacy prefixes</th><th>leased lines to</th><th>switched at step</th></tr>
{% for s in sites %}<tr><td>{{ s.site }}</td><td>{{ s.prefixes | join(", ") }}</td><td>{{ s.legacy_links | join(", ") or "-" }}</td><td>{{ s.step or "-" }}</td></tr>
{% endfor %}</table>
<p>Switch order: {{ order | join(" → ") or "nothing left to switch" }}.</p>
{% for step in steps %}
<h2 id="step-{{ step.number }}">Step {{ step.number }}: {{ step.title }}</h2>
{% if step.legacy_actions %}<p>Legacy side:</p><ul>{% for a in step.legacy_actions %}<li>{{ a }}</li>{% endfor %}</ul>{% endif %}
<p>Reach after the step: {% for site, how in step.reach.items() %}{{ site }} {{ how }}{% if not loop.last %}, {% endif %}{% endfor %}.</p>
{% for title, checks in [("Pre-checks", step.pre_checks), ("Post-checks", step.post_checks)] if checks %}
<h3>{{ title }}</h3>
<table><tr><th>device</th><th>command</th><th>expect</th></tr>
{% for c in checks %}<tr><td>{{ c.device }}</td><td><code>{{ c.command }}</code></td><td>{{ c.expect }}</td></tr>
{% endfor %}</table>
{% endfor %}
<h3>Config</h3>
{% for d in step.changed %}<h4>{{ d.device }} ({{ d.platform }})</h4><pre>{{ d.diff }}</pre>
{% else %}<p>No extranet device changes.</p>{% endfor %}
<h3>Rollback</h3>
<ul>{% for a in step.rollback_actions %}<li>{{ a }}</li>{% endfor %}</ul>
{% for d in step.rollback %}<pre>{{ d.diff }}</pre>{% endfor %}
{% for device, lines in step.rollback_commands.items() %}<p>On {{ device }} (VRP loads by merge), enter:</p><pre>{{ lines | join("\n") }}</pre>{% endfor %}
{% endfor %}
</body></html>
"""


def _diffs(change: ConfigChange) -> list[dict[str, str]]:
    return [
        {"device": d.device, "platform": d.platform, "path": d.path, "diff": d.diff}
        for d in change.diffs
    ]


def _checks(checks: tuple[Check, ...]) -> list[dict[str, str]]:
    return [{"device": c.device, "command": c.command, "expect": c.expect} for c in checks]


def _step(step: Step) -> dict[str, Any]:
    return {
        "number": step.number,
        "kind": step.kind,
        "title": step.title,
        "site": step.site,
        "changed": _diffs(step.change),
        "unchanged": step.change.unchanged,
        "pre_checks": _checks(step.pre_checks),
        "post_checks": _checks(step.post_checks),
        "legacy_actions": list(step.legacy_actions),
        "rollback": _diffs(step.rollback),
        "rollback_actions": list(step.rollback_actions),
        "rollback_commands": merge_undo(step.change) if step.kind == "switch" else {},
        "reach": dict(step.reach),
    }


def runbook_json(cutover: Cutover) -> dict[str, Any]:
    legacy = cutover.legacy
    at_step = {s.site: s.number for s in cutover.steps if s.site is not None}
    return {
        "department": cutover.department,
        "vpn": cutover.vpn.name,
        "vpn_id": cutover.vpn.id,
        "name_zh": legacy.name_zh,
        "gateway": {
            "name": legacy.gateway.name,
            "site": legacy.gateway.site,
            "address": str(legacy.gateway.address),
        },
        "services": [str(a) for a in legacy.services],
        "sites": [
            {
                "site": s.site,
                "prefixes": [str(p) for p in s.prefixes],
                "legacy_links": list(s.legacy_links),
                "step": 1 if s.site == legacy.gateway.site else at_step.get(s.site),
            }
            for s in legacy.sites
        ],
        "order": list(cutover.order),
        "steps": [_step(s) for s in cutover.steps],
    }


def runbook_markdown(cutover: Cutover) -> str:
    return page_environment(html=False).from_string(MARKDOWN).render(**runbook_json(cutover))


def runbook_html(cutover: Cutover) -> str:
    page = page_environment(html=True).from_string(HTML)
    return page.render(style=PAGE_STYLE, **runbook_json(cutover))
