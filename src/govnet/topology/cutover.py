"""The cutover (割接) of one department's legacy network into its VPN, as steps an engineer can
review, push and roll back.

API (``govnet cutover`` uses it)::

    plan = plan_cutover(design, "ecology-environment")
    plan.order                      # the sites in switch order (farthest from the gateway first)
    for step in plan.steps:         # preparation, one switch per site, decommissioning
        step.kind, step.site        # "prepare" | "switch" | "decommission", the site switched
        step.change.diffs           # per changed device: unified diff of its production config
        step.rollback.diffs         # the reverse diff (push the previous state back)
        step.pre_checks, step.post_checks   # Check: device, command, what to expect
        step.legacy_actions         # what the department's engineers do on the legacy side
        step.reach                  # every legacy site after the step: "legacy" or "vpn"

The states are designs (the source design with the department's VPN and ``legacy:`` changed):

- today: the VPN without the legacy sites still to switch (their devices carry no VRF yet);
- prepared: the VPN at every legacy site (VRF, RT, user sub-interfaces, PE-CE filters that
  accept the legacy prefixes) and the gateway site's prefixes routed in the VPN: no site uses
  the VPN yet, so no traffic moves;
- after switch k: the legacy prefixes of the first k sites routed in the VPN to each site's
  legacy router, whose leased line goes down in the same window.

The switch order keeps every site reachable: a site not yet switched must still reach the
gateway over the leased lines of the sites not yet switched, so each step switches a site
farthest (in leased-line hops) from the gateway; a switched site reaches the gateway's site
through the extranet (checked on the design's graph).

Pure: nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import networkx as nx

from govnet.design import Design, user_subnet_key
from govnet.semantics_legacy import legacy_reaches_gateway
from govnet.templates.render import render_design
from govnet.topology.addressing import PoolKind
from govnet.topology.graph import build_graph
from govnet.topology.legacy import department_vpn, legacy_router, site_routes
from govnet.topology.models import LegacyNetwork, LegacySite, Vpn
from govnet.topology.transport_migration import ConfigChange, config_change

StepKind = Literal["prepare", "switch", "decommission"]
Reach = Literal["gateway", "legacy", "vpn", "cut off"]


class CutoverError(ValueError):
    """The department cannot be cut over (unknown, no legacy network, nothing to plan)."""


@dataclass(frozen=True)
class Check:
    device: str
    command: str
    expect: str


@dataclass(frozen=True)
class Step:
    number: int
    kind: StepKind
    title: str
    site: str | None
    change: ConfigChange
    rollback: ConfigChange
    pre_checks: tuple[Check, ...]
    post_checks: tuple[Check, ...]
    legacy_actions: tuple[str, ...]
    rollback_actions: tuple[str, ...]
    reach: Mapping[str, Reach]


@dataclass(frozen=True)
class Cutover:
    department: str
    vpn: Vpn
    legacy: LegacyNetwork
    order: tuple[str, ...]  # the sites switched, in order (the gateway's site in preparation)
    steps: tuple[Step, ...]


# --- the order --------------------------------------------------------------------------------


def switch_order(legacy: LegacyNetwork, done: Iterable[str] = ()) -> list[str]:
    """The sites to switch (all but the gateway's and ``done``), each one farthest from the
    gateway over the leased lines of the sites still on the legacy network, ties by name: its
    leased line carries no other site's traffic, so every site left keeps its path."""
    switched = set(done)
    left = {s.site for s in legacy.sites} - switched - {legacy.gateway.site}
    order: list[str] = []
    while left:
        depth = _hops(legacy, frozenset(switched))
        site = max(sorted(left), key=lambda s: depth.get(s, -1))
        order.append(site)
        left.remove(site)
        switched.add(site)
    return order


def _hops(legacy: LegacyNetwork, without: frozenset[str]) -> dict[str, int]:
    graph = nx.Graph()
    for s in legacy.sites:
        graph.add_node(s.site)
        graph.add_edges_from((s.site, other) for other in s.legacy_links)
    graph.remove_nodes_from(without)
    if legacy.gateway.site not in graph:
        return {}
    return dict(nx.single_source_shortest_path_length(graph, legacy.gateway.site))


def legacy_reach(
    legacy: LegacyNetwork, switched: Iterable[str], vpn_ok: set[str]
) -> dict[str, Reach]:
    """How each legacy site reaches the gateway's site with ``switched`` moved to the VPN."""
    moved = frozenset(switched) - {legacy.gateway.site}
    on_legacy = legacy_reaches_gateway(legacy, moved)
    result: dict[str, Reach] = {}
    for s in legacy.sites:
        if s.site == legacy.gateway.site:
            result[s.site] = "gateway"
        elif s.site in moved:
            result[s.site] = "vpn" if s.site in vpn_ok else "cut off"
        else:
            result[s.site] = "legacy" if s.site in on_legacy else "cut off"
    return result


def extranet_reachable(
    design: Design, graph: nx.MultiGraph, sites: Iterable[str], to: str
) -> set[str]:
    """The sites whose devices have a path to a device of ``to`` in the extranet's graph."""
    targets = {h.name for h in design.hosts_by_site.get(to, [])}
    result = set()
    for site in sites:
        hosts = [h.name for h in design.hosts_by_site.get(site, [])]
        if any(
            nx.has_path(graph, h, t) for h in hosts for t in targets if h in graph and t in graph
        ):
            result.add(site)
    return result


# --- the states -------------------------------------------------------------------------------


def _state(
    design: Design,
    department: str,
    vpn: Vpn,
    sites: Sequence[str] | Literal["all"],
    switched: set[str],
) -> Design:
    dept = design.departments[department]
    assert dept.legacy is not None
    legacy = dept.legacy.model_copy(
        update={
            "sites": [
                s.model_copy(update={"switched": s.site in switched}) for s in dept.legacy.sites
            ]
        }
    )
    departments = {**design.departments, department: dept.model_copy(update={"legacy": legacy})}
    new_vpn = vpn.model_copy(update={"sites": sites})
    vpns = [new_vpn if v.name == vpn.name else v for v in design.vpns]
    return replace(design, departments=departments, vpns=vpns)


def _render(design: Design, hosts: list[str] | None) -> dict[str, tuple[str, str, str]]:
    graph = build_graph(design)
    return {
        c.hostname: (c.platform, str(c.path), c.text)
        for c in render_design(design, graph, hosts=hosts)
    }


def _devices_at(design: Design, sites: Iterable[str]) -> list[str]:
    return sorted(h.name for s in sites for h in design.hosts_by_site.get(s, []))


# --- the checks -------------------------------------------------------------------------------


def user_gateway(design: Design, site: str, vpn: Vpn) -> str | None:
    """The extranet's first address (.1) on the site's user subnet in the VPN."""
    subnet = design.addressing.get(PoolKind.USER_IPV4, user_subnet_key(site, vpn.name))
    return subnet.address_text(1) if subnet is not None else None


def site_checks(
    design: Design, legacy: LegacyNetwork, vpn: Vpn, site: LegacySite, switched: bool
) -> list[Check]:
    """On each device with the site's LAN: its legacy prefixes in the VRF (a static route to
    the legacy router once switched, none before) and, once switched, a ping from the site's
    user gateway address to every service address."""
    checks: list[Check] = []
    source = user_gateway(design, site.site, vpn)
    for device in _devices_at(design, [site.site]):
        if design.hosts[device].data.lan_interface is None:
            continue
        for route in site_routes(design, site, vpn):
            checks.append(
                Check(
                    device,
                    f"display ip routing-table vpn-instance {vpn.name} "
                    f"{route.prefix.network_address}",
                    f"{route.prefix}: Static, next hop {route.next_hop} (the legacy router)"
                    if switched
                    else f"{route.prefix}: no route yet (still on the legacy network)",
                )
            )
        if switched and source is not None:
            checks += [
                Check(
                    device,
                    f"ping -vpn-instance {vpn.name} -a {source} {service}",
                    "replies: the service over the VPN",
                )
                for service in legacy.services
            ]
    return checks


def remote_checks(
    design: Design, vpn: Vpn, site: LegacySite, switched: bool, at: Sequence[str]
) -> list[Check]:
    """On the devices of the sites in ``at``: the site's legacy prefixes learnt in the VRF
    through BGP once switched."""
    return [
        Check(
            device,
            f"display ip routing-table vpn-instance {vpn.name} {route.prefix.network_address}",
            f"{route.prefix}: BGP" if switched else f"{route.prefix}: no route",
        )
        for device in _devices_at(design, at)
        if design.hosts[device].data.lan_interface is not None
        for route in site_routes(design, site, vpn)
    ]


# --- the plan ---------------------------------------------------------------------------------


def plan_cutover(design: Design, department: str) -> Cutover:
    """The runbook's steps for one department (see the module's docstring)."""
    dept = design.departments.get(department)
    if dept is None:
        known = ", ".join(sorted(d for d, x in design.departments.items() if x.legacy)) or "none"
        raise CutoverError(
            f"unknown department '{department}' (departments with a legacy network: {known})"
        )
    legacy = dept.legacy
    if legacy is None:
        raise CutoverError(
            f"department '{department}' has no legacy network (no `legacy:` block in "
            "topology/services.yaml): nothing to cut over"
        )
    vpn = department_vpn(design, department)
    if vpn is None:
        raise CutoverError(f"department '{department}' has no private VPN to cut over into")
    done = {s.site for s in legacy.sites if s.switched}
    order = switch_order(legacy, done)
    gateway = legacy.gateway.site
    waiting = set(order) | ({gateway} - done)
    full_sites = vpn.sites
    today_sites: Sequence[str] | Literal["all"] = (
        full_sites if full_sites == "all" else [s for s in full_sites if s not in waiting]
    )
    today = _state(design, department, vpn, today_sites, done)
    prepared_switched = done | {gateway}
    states = [today, _state(design, department, vpn, full_sites, prepared_switched)]
    switched = set(prepared_switched)
    for site in order:
        switched.add(site)
        states.append(_state(design, department, vpn, full_sites, set(switched)))
    all_configs = [_render(states[0], None), _render(states[-1], None)]
    affected = sorted(
        d
        for d in set(all_configs[0]) | set(all_configs[1])
        if all_configs[0].get(d) != all_configs[1].get(d)
    )
    rendered = [all_configs[0]]
    rendered += [_render(s, affected) for s in states[1:-1]]
    rendered.append({d: all_configs[1][d] for d in affected if d in all_configs[1]})
    rendered[0] = {d: all_configs[0][d] for d in affected if d in all_configs[0]}
    total = len(all_configs[1])
    graph = build_graph(design)
    vpn_ok = extranet_reachable(design, graph, [s.site for s in legacy.sites], gateway)
    by_site = {s.site: s for s in legacy.sites}
    services_at = [s for s in ([] if full_sites == "all" else full_sites) if s not in by_site]
    steps = [
        _prepare_step(design, legacy, vpn, rendered, by_site, done, vpn_ok, total),
    ]
    switched = set(prepared_switched)
    for index, site in enumerate(order):
        switched.add(site)
        number = index + 2
        steps.append(
            Step(
                number=number,
                kind="switch",
                title=f"Switch {site}",
                site=site,
                change=_change(rendered[index + 1], rendered[index + 2], "before", "after", total),
                rollback=_change(
                    rendered[index + 2], rendered[index + 1], "after", "before", total
                ),
                pre_checks=tuple(
                    [
                        *site_checks(design, legacy, vpn, by_site[site], False),
                        Check(
                            "legacy router of " + site,
                            f"ping {legacy.gateway.address}",
                            "replies over the leased line",
                        ),
                    ]
                ),
                post_checks=tuple(
                    site_checks(design, legacy, vpn, by_site[site], True)
                    + remote_checks(design, vpn, by_site[site], True, [gateway, *services_at])
                ),
                legacy_actions=(
                    f"on the legacy router of {site}: address "
                    f"{legacy_router(design, site, vpn)}/{_length(design, site, vpn)} on the "
                    f"{vpn.name} user VLAN ({vpn.id}), default route via "
                    f"{user_gateway(design, site, vpn)}",
                    f"shut the leased line(s) of {site} "
                    f"({', '.join(by_site[site].legacy_links) or 'none'}); "
                    f"on {legacy.gateway.name}: remove the routes to "
                    f"{', '.join(str(p) for p in by_site[site].prefixes)}",
                    f"at {gateway}: the data centre's router routes "
                    f"{', '.join(str(p) for p in by_site[site].prefixes)} via "
                    f"{user_gateway(design, gateway, vpn)} (the extranet) instead of "
                    f"{legacy.gateway.name}",
                ),
                rollback_actions=(
                    f"bring the leased line(s) of {site} back up, the data centre's routes to "
                    f"it back via {legacy.gateway.name}, the routes to "
                    f"{', '.join(str(p) for p in by_site[site].prefixes)} back on "
                    f"{legacy.gateway.name}, the legacy router's default route back to the "
                    "leased line",
                    "push the state before (the rollback diff)",
                ),
                reach=legacy_reach(legacy, switched, vpn_ok),
            )
        )
    steps.append(_decommission_step(legacy, len(order) + 2, switched, vpn_ok, total))
    return Cutover(department, vpn, legacy, tuple(order), tuple(steps))


def _change(
    before: Mapping[str, tuple[str, str, str]],
    after: Mapping[str, tuple[str, str, str]],
    before_label: str,
    after_label: str,
    total: int,
) -> ConfigChange:
    """The diffs of the devices rendered (those the cutover changes), out of ``total``."""
    change = config_change(before, after, before_label, after_label)
    return ConfigChange(change.diffs, total - len(change.diffs))


def merge_undo(change: ConfigChange) -> dict[str, list[str]]:
    """For a switch's diff on VRP (loaded by merge, where pushing the state before does not
    remove lines): the commands that take its added lines back, per device."""
    result: dict[str, list[str]] = {}
    for d in change.diffs:
        if d.platform != "huawei_vrp":
            continue
        lines: list[str] = []
        view = ""
        for line in d.diff.splitlines():
            text = line[1:]
            if line.startswith(" ") and text.startswith(("bgp ", " ipv4-family vpn-instance")):
                view = text.strip() if text.startswith(" ") else text
                if text.startswith("bgp "):
                    lines.append(text)
            if not line.startswith("+") or line.startswith("+++"):
                continue
            if text.startswith("ip route-static vpn-instance"):
                lines.append("undo " + text.split(" description ")[0])
            elif text.strip() == "import-route static":
                lines += [f" {view}", "  undo import-route static"]
        result[d.device] = [line for line in lines if line.strip()]
    return result


def _length(design: Design, site: str, vpn: Vpn) -> int | str:
    subnet = design.addressing.get(PoolKind.USER_IPV4, user_subnet_key(site, vpn.name))
    return subnet.length if subnet is not None else "?"


def _prepare_step(
    design: Design,
    legacy: LegacyNetwork,
    vpn: Vpn,
    rendered: list[dict[str, tuple[str, str, str]]],
    by_site: Mapping[str, LegacySite],
    done: set[str],
    vpn_ok: set[str],
    total: int,
) -> Step:
    gateway = legacy.gateway.site
    pre = [
        Check(f"legacy router of {s}", f"ping {legacy.gateway.address}", "replies")
        for s in sorted(by_site)
        if s not in done
    ]
    post = site_checks(design, legacy, vpn, by_site[gateway], True)
    for s in sorted(by_site):
        if s not in done and s != gateway:
            post += site_checks(design, legacy, vpn, by_site[s], False)
    return Step(
        number=1,
        kind="prepare",
        title="Prepare: the VPN at every legacy site, no traffic yet",
        site=None,
        change=_change(rendered[0], rendered[1], "today", "prepared", total),
        rollback=_change(rendered[1], rendered[0], "prepared", "today", total),
        pre_checks=tuple(pre),
        post_checks=tuple(post),
        legacy_actions=(
            f"at {gateway}: the data centre's router routes "
            f"{', '.join(str(p) for p in by_site[gateway].prefixes)} on the {vpn.name} user VLAN "
            f"({vpn.id}) with address {legacy_router(design, gateway, vpn)}; it keeps its "
            f"routes to the legacy sites via {legacy.gateway.name}",
        ),
        rollback_actions=(
            "push today's state (the rollback diff); on VRP (loaded by merge) the removed "
            "objects must be undone by hand as well: the user and PE-CE sub-interfaces of "
            f"VLAN {vpn.id}, the BGP families and the VPN instance {vpn.name}, the PE-CE "
            "route-policies and prefix lists",
        ),
        reach=legacy_reach(legacy, done, vpn_ok),
    )


def _decommission_step(
    legacy: LegacyNetwork,
    number: int,
    switched: set[str],
    vpn_ok: set[str],
    total: int,
) -> Step:
    empty = ConfigChange((), total)
    sites = sorted(s.site for s in legacy.sites)
    return Step(
        number=number,
        kind="decommission",
        title=f"Decommission the legacy network and {legacy.gateway.name}",
        site=None,
        change=empty,
        rollback=empty,
        pre_checks=tuple(
            Check(f"legacy router of {s}", "display interface brief", "its leased line(s) down")
            for s in sites
            if s != legacy.gateway.site
        ),
        post_checks=(),
        legacy_actions=(
            f"remove {legacy.gateway.name} ({legacy.gateway.address}) from the data centre's "
            "routing; power it off after one business day without traffic",
            "terminate the leased-line contracts",
            "set `switched: true` on every site of the department's `legacy:` block in "
            "topology/services.yaml (the design then renders the cut-over state)",
        ),
        rollback_actions=("none: nothing in the extranet changes",),
        reach=legacy_reach(legacy, switched, vpn_ok),
    )
