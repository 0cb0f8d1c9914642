"""Checks of the departments' ``legacy:`` blocks (``topology/services.yaml``): the network a
department has today and will cut over into its VPN (``govnet cutover``)."""

from __future__ import annotations

from govnet.design import HOSTS_FILE, SERVICES_FILE, SITES_FILE, DesignParts
from govnet.diagnostics import ProblemLog
from govnet.models import Name
from govnet.reading import Entry
from govnet.topology.addressing import PoolKind, pool_of
from govnet.topology.models import Department, IPNetwork, LegacyNetwork, Zone


def extranet_blocks(parts: DesignParts) -> list[tuple[str, IPNetwork]]:
    """The design's own address blocks (pools and management), each with its name."""
    network = parts.network
    if network is None:
        return []
    blocks: list[tuple[str, IPNetwork]] = []
    for kind in PoolKind:
        pool = pool_of(network.pools, kind)
        if pool is not None:
            blocks.append((f"pools.{kind.value}", pool.prefix))
    blocks += [(f"management.{i}", net) for i, net in enumerate(network.management)]
    return blocks


def legacy_reaches_gateway(legacy: LegacyNetwork, without: frozenset[Name]) -> set[Name]:
    """The legacy sites, outside ``without``, that reach the gateway's site over the leased
    lines between sites outside ``without``."""
    edges: dict[Name, set[Name]] = {s.site: set() for s in legacy.sites}
    for s in legacy.sites:
        for other in s.legacy_links:
            if other in edges:
                edges[s.site].add(other)
                edges[other].add(s.site)
    start = legacy.gateway.site
    if start in without or start not in edges:
        return set()
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges[todo.pop()]:
            if nxt not in seen and nxt not in without:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def check_legacy(parts: DesignParts, log: ProblemLog) -> None:
    """After the other checks: a broken host, site or VPN is the error to fix first (a legacy
    block that names it would only repeat it)."""
    if any(p.file in (HOSTS_FILE, SITES_FILE, SERVICES_FILE) for p in log.errors):
        return
    blocks = extranet_blocks(parts)
    for entry in parts.departments:
        if entry.item.legacy is not None:
            _check_one(entry, entry.item.legacy, parts, blocks, log)


def _check_one(
    entry: Entry[Department],
    legacy: LegacyNetwork,
    parts: DesignParts,
    blocks: list[tuple[str, IPNetwork]],
    log: ProblemLog,
) -> None:
    loc = (*entry.loc, "legacy")
    name = entry.item.name
    vpns = [e.item for e in parts.vpns if e.item.zone is Zone.PRIVATE and e.item.department == name]
    if len(vpns) != 1:
        log.error(
            entry.file,
            loc,
            f"department '{name}' has {len(vpns)} private VPNs; a legacy network moves into "
            "exactly one",
        )
        return
    vpn = vpns[0]
    members = set() if vpn.sites == "all" else set(vpn.sites)
    legacy_sites = [s.site for s in legacy.sites]
    lan_sites = {e.item.site for e in parts.hosts if e.item.data.lan_interface}
    seen_prefixes: list[tuple[str, IPNetwork]] = []
    broken_links = False
    for i, site in enumerate(legacy.sites):
        where = (*loc, "sites", i)
        if legacy_sites.index(site.site) != i:
            log.error(entry.file, (*where, "site"), f"site '{site.site}' is listed twice")
        if site.site not in lan_sites:
            log.error(
                entry.file,
                (*where, "site"),
                f"site '{site.site}' has no device with a LAN port (lan_interface) to route "
                "its legacy prefixes",
            )
        elif vpn.sites != "all" and site.site not in members:
            log.error(
                entry.file,
                (*where, "site"),
                f"site '{site.site}' is not a site of VPN '{vpn.name}' (the cutover's target)",
            )
        for j, other in enumerate(site.legacy_links):
            if other not in legacy_sites or other == site.site:
                broken_links = True
                log.error(
                    entry.file,
                    (*where, "legacy_links", j),
                    f"'{other}' is not another site of this legacy network",
                )
        for j, prefix in enumerate(site.prefixes):
            here = (*where, "prefixes", j)
            for block_name, block in blocks:
                if block.version == prefix.version and block.overlaps(prefix):
                    log.error(
                        entry.file,
                        here,
                        f"legacy prefix {prefix} overlaps the extranet's {block_name} {block}",
                    )
            for other_site, earlier in seen_prefixes:
                if earlier.overlaps(prefix):
                    log.error(
                        entry.file,
                        here,
                        f"legacy prefix {prefix} overlaps {other_site}'s {earlier}",
                    )
            seen_prefixes.append((site.site, prefix))
    for j, address in enumerate(legacy.services):
        if not any(address in prefix for _site, prefix in seen_prefixes):
            log.error(
                entry.file,
                (*loc, "services", j),
                f"service address {address} is in none of this legacy network's prefixes",
            )
    if legacy.gateway.site not in legacy_sites:
        log.error(
            entry.file,
            (*loc, "gateway", "site"),
            f"the gateway's site '{legacy.gateway.site}' is not a site of this legacy network",
        )
        return
    cut_off = sorted(set(legacy_sites) - legacy_reaches_gateway(legacy, frozenset()))
    if cut_off and not broken_links:  # a misspelt link is the error to fix first
        log.error(
            entry.file,
            (*loc, "sites"),
            f"no leased line path to the gateway's site from {', '.join(cut_off)}",
        )
