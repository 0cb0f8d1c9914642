"""Cross-file checks of a design: references, duplicates, layering, rings, pools, services.

Each check adds problems to the log with the file and the data path of the offending value; the
loader turns paths into line numbers. Checks never stop at the first problem.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from govnet.design import (
    DUCTS_FILE,
    GROUPS_FILE,
    HOSTS_FILE,
    LINKS_FILE,
    MANAGEMENT_FILE,
    NETWORK_FILE,
    SERVICES_FILE,
    SITES_FILE,
    UPLINKS_FILE,
    WAVES_FILE,
    DesignParts,
)
from govnet.diagnostics import Loc, ProblemLog
from govnet.inventory.banners import banner_problem
from govnet.inventory.models import Host
from govnet.inventory.platforms import PLATFORMS, Platform, valid_interface
from govnet.inventory.roles import (
    RING_ENDS,
    RING_MEMBERS,
    ROLES,
    Role,
    describe_roles,
    is_srv6_pe,
)
from govnet.reading import Entry
from govnet.semantics_legacy import check_legacy
from govnet.templates.linux_host import banner_fault
from govnet.topology.addressing import PoolKind, pool_of
from govnet.topology.models import PRIVATE_CLASSES, IPNetwork, Zone

# which file declares each kind of name
DECLARED_IN = {
    "host": HOSTS_FILE,
    "group": GROUPS_FILE,
    "site": SITES_FILE,
    "district": SITES_FILE,
    "duct": DUCTS_FILE,
    "peer": UPLINKS_FILE,
    "department": SERVICES_FILE,
}

# Which address family and allocation lengths each pool may use.
POOL_RULES: dict[PoolKind, tuple[int, range]] = {
    PoolKind.LOOPBACK_IPV4: (4, range(32, 33)),
    PoolKind.LINK_IPV4: (4, range(30, 32)),
    PoolKind.LOOPBACK_IPV6: (6, range(128, 129)),
    PoolKind.LINK_IPV6: (6, range(64, 128)),
    PoolKind.SRV6_LOCATOR: (6, range(40, 65)),
    PoolKind.USER_IPV4: (4, range(16, 31)),
}


@dataclass
class _Context:
    parts: DesignParts
    log: ProblemLog
    hosts: dict[str, Host]

    def known(self, kind: str, name: str, valid: Iterable[str]) -> bool | None:
        """True if valid; None if declared but broken, or if the declaring file could not be
        read (both already reported); False if unknown."""
        if name in valid:
            return True
        if DECLARED_IN[kind] in self.parts.unreadable:
            return None
        return None if name in self.parts.declared.get(kind, set()) else False

    def readable(self, *files: str) -> bool:
        return not self.parts.unreadable.intersection(files)


def _check_ipv6(ctx: _Context) -> None:
    p, log = ctx.parts, ctx.log
    sites = {e.item.name for e in p.sites}
    seen: set[str] = set()
    for w, wave in enumerate(p.waves.waves):
        loc: Loc = ("waves", w)
        if wave.name in seen:
            log.error(WAVES_FILE, (*loc, "name"), f"duplicate wave '{wave.name}'")
        seen.add(wave.name)
        for i, site in enumerate(wave.sites):
            if ctx.known("site", site, sites) is False:
                log.error(
                    WAVES_FILE, (*loc, "sites", i), f"unknown site '{site}' (not in {SITES_FILE})"
                )
    for service in p.ipv6_services:
        if ctx.known("site", service.item.site, sites) is False:
            log.error(
                service.file,
                (*service.loc, "site"),
                f"unknown site '{service.item.site}' (not in {SITES_FILE})",
            )
    cabled = {(e.item.a.device, e.item.a.interface) for e in p.links}
    cabled |= {(e.item.b.device, e.item.b.interface) for e in p.links}
    cabled |= {(e.item.device, e.item.interface) for e in p.uplinks}
    for entry in p.hosts:
        lan = entry.item.data.lan_interface
        if lan is not None and (entry.item.name, lan) in cabled:
            log.error(
                entry.file,
                (*entry.loc, "data", "lan_interface"),
                f"{lan} is already cabled to a link in {LINKS_FILE} or {UPLINKS_FILE}",
            )
        if lan is not None and not valid_interface(entry.item.platform, lan):
            example = PLATFORMS[entry.item.platform].interface_example
            log.error(
                entry.file,
                (*entry.loc, "data", "lan_interface"),
                f"'{lan}' is not a {entry.item.platform.value} interface name (for example {example})",
            )


def check_parts(parts: DesignParts, log: ProblemLog) -> None:
    hosts: dict[str, Host] = {}
    for entry in parts.hosts:
        hosts.setdefault(entry.item.name, entry.item)
    ctx = _Context(parts, log, hosts)
    _check_duplicates(ctx)
    _check_hosts(ctx)
    _check_sites(ctx)
    _check_links(ctx)
    _check_rings(ctx)
    _check_uplinks(ctx)
    _check_pools(ctx)
    _check_igp_timers(ctx)
    _check_banner(ctx)
    _check_dual_transport(ctx)
    _check_services(ctx)
    _check_demands(ctx)
    _check_ipv6(ctx)
    _check_linux_routers(ctx)
    check_legacy(parts, log)


def _duplicates(entries: list[Entry[Any]], what: str, log: ProblemLog, attr: str = "name") -> None:
    first: dict[Any, Entry[Any]] = {}
    for entry in entries:
        value = getattr(entry.item, attr)
        if value in first:
            earlier = first[value]
            log.error(
                entry.file,
                (*entry.loc, attr),
                f"duplicate {what} '{value}' (first defined at {earlier.file} {_where(earlier)})",
            )
        else:
            first[value] = entry


def _where(entry: Entry[Any]) -> str:
    from govnet.diagnostics import format_field

    return format_field(entry.loc)


def _check_duplicates(ctx: _Context) -> None:
    p = ctx.parts
    _duplicates(p.districts, "district", ctx.log)
    _duplicates(p.sites, "site", ctx.log)
    _duplicates(p.rings, "ring", ctx.log)
    _duplicates(p.ducts, "duct", ctx.log)
    _duplicates(p.peers, "peer", ctx.log)
    _duplicates(p.departments, "department", ctx.log)
    _duplicates(p.vpns, "VPN", ctx.log)
    _duplicates(p.vpns, "VPN id", ctx.log, attr="id")
    for entry in p.peers:
        if entry.item.name in ctx.hosts:
            ctx.log.error(
                entry.file,
                (*entry.loc, "name"),
                f"peer '{entry.item.name}' has the name of a device in {HOSTS_FILE}",
            )


def _check_hosts(ctx: _Context) -> None:
    p, log = ctx.parts, ctx.log
    sites = {e.item.name: e.item for e in p.sites}
    districts = {e.item.name for e in p.districts}
    management = p.network.management if p.network else []
    seen_mgmt: dict[str, str] = {}
    site_district: dict[str, tuple[str, str]] = {}
    linked = {device for pair in p.declared_links for device in pair}
    linked |= {e.item.device for e in p.uplinks}
    check_links = ctx.readable(LINKS_FILE, UPLINKS_FILE)
    group_platform = {e.item.name: e.item.platform for e in p.groups}
    for entry in p.hosts:
        host, loc = entry.item, entry.loc
        for i, group in enumerate(host.groups):
            platform = group_platform.get(group)
            if platform is not None and platform != host.platform:
                log.error(
                    entry.file,
                    (*loc, "groups", i),
                    f"group '{group}' is for platform {platform.value}, "
                    f"but the host is {host.platform.value}",
                )
            if ctx.known("group", group, group_platform) is False:
                log.error(
                    entry.file,
                    (*loc, "groups", i),
                    f"unknown group '{group}' (not in inventory/groups.yaml)",
                )
        site = sites.get(host.site)
        if ctx.known("site", host.site, sites) is False:
            log.error(
                entry.file,
                (*loc, "data", "site"),
                f"unknown site '{host.site}' (not in {SITES_FILE})",
            )
        if ctx.known("district", host.district, districts) is False:
            log.error(
                entry.file,
                (*loc, "data", "district"),
                f"unknown district '{host.district}' (not in {SITES_FILE} districts)",
            )
        info = ROLES[host.role]
        if host.role is Role.ISP:
            log.error(
                entry.file,
                (*loc, "data", "role"),
                f"an ISP router is a peer: declare it in {UPLINKS_FILE}",
            )
        if site is not None and site.kind not in info.site_kinds:
            kinds = ", ".join(sorted(k.value for k in info.site_kinds))
            log.error(
                entry.file,
                (*loc, "data", "role"),
                f"a {host.role.value} cannot stand at site '{site.name}' of kind {site.kind.value} "
                f"(expected a site of kind {kinds})",
            )
        address = str(host.hostname)
        if address in seen_mgmt:
            log.error(
                entry.file,
                (*loc, "hostname"),
                f"management address {address} is also used by '{seen_mgmt[address]}'",
            )
        else:
            seen_mgmt[address] = host.name
        if management and not any(host.hostname in net for net in management):
            nets = ", ".join(str(n) for n in management)
            log.error(
                entry.file,
                (*loc, "hostname"),
                f"management address {address} is outside the management prefixes ({nets})",
            )
        if host.role is Role.BUREAU_CE:
            _check_ce_management(entry, ctx)
        if host.site in site_district and site_district[host.site][0] != host.district:
            other_district, other_host = site_district[host.site]
            log.error(
                entry.file,
                (*loc, "data", "district"),
                f"site '{host.site}' is in district '{other_district}' (per '{other_host}'), "
                f"not '{host.district}'",
            )
        else:
            site_district.setdefault(host.site, (host.district, host.name))
        if check_links and host.name not in linked:
            log.error(entry.file, loc, f"device '{host.name}' has no link ({LINKS_FILE})")


def _check_ce_management(entry: Entry[Host], ctx: _Context) -> None:
    """A bureau CE is managed in-band at its inventory address (rendered on the CE and routed
    by its PEs): IPv4, and in no address pool, whose addresses the lock hands to others."""
    host, network = entry.item, ctx.parts.network
    where = (*entry.loc, "hostname")
    if host.hostname.version != 4:
        ctx.log.error(
            entry.file,
            where,
            f"management address {host.hostname}: a bureau CE is managed in-band over IPv4 "
            "only (its PEs route a /32 to it)",
        )
        return
    if network is not None and not any(n.version == 4 for n in network.management):
        ctx.log.error(
            entry.file,
            where,
            f"a bureau CE is managed in-band: {NETWORK_FILE} needs IPv4 management prefixes "
            "for its PEs to route to it",
        )
    for kind in PoolKind:
        pool = pool_of(network.pools, kind) if network else None
        if pool is not None and host.hostname in pool.prefix:
            ctx.log.error(
                entry.file,
                where,
                f"management address {host.hostname} is inside the {kind.value} pool "
                f"({pool.prefix}): a bureau CE carries it on its management loopback",
            )


def _check_sites(ctx: _Context) -> None:
    p, log = ctx.parts, ctx.log
    used = p.declared_host_sites
    departments = {e.item.name for e in p.departments}
    for entry in p.sites:
        site = entry.item
        if ctx.readable(HOSTS_FILE) and site.name not in used:
            log.warning(entry.file, (*entry.loc, "name"), f"site '{site.name}' has no device")
        if site.department and ctx.known("department", site.department, departments) is False:
            log.error(
                entry.file,
                (*entry.loc, "department"),
                f"unknown department '{site.department}' (not in {SERVICES_FILE})",
            )


def _check_interface(
    ctx: _Context,
    file: str,
    loc: Loc,
    device: str,
    interface: str,
    used: dict[tuple[str, str], str],
    what: str,
) -> None:
    host = ctx.hosts.get(device)
    if host is None:
        return
    if not valid_interface(host.platform, interface):
        example = PLATFORMS[host.platform].interface_example
        ctx.log.error(
            file,
            loc,
            f"'{interface}' is not a {host.platform.value} interface name (for example {example})",
        )
    key = (device, interface)
    if key in used:
        ctx.log.error(file, loc, f"interface {device} {interface} is already used by {used[key]}")
    else:
        used[key] = what


def _check_neighbours(
    ctx: _Context, file: str, loc: Loc, role: Role, name: str, other_role: Role, other: str
) -> None:
    allowed = ROLES[role].neighbours
    if other_role not in allowed:
        ctx.log.error(
            file,
            loc,
            f"{role.value} '{name}' cannot attach to {other_role.value} '{other}' "
            f"(a {role.value} attaches to {describe_roles(allowed)})",
        )


def _check_links(ctx: _Context) -> None:
    p, log = ctx.parts, ctx.log
    ducts = {e.item.name for e in p.ducts}
    peers = {e.item.name for e in p.peers}
    interfaces: dict[tuple[str, str], str] = {}
    keys: dict[str, Entry[Any]] = {}
    for entry in p.links:
        link, loc = entry.item, entry.loc
        ends_ok = True
        for side in ("a", "b"):
            end = getattr(link, side)
            if end.device in ctx.hosts:
                continue
            ends_ok = False
            if end.device in peers:
                log.error(
                    entry.file,
                    (*loc, side, "device"),
                    f"'{end.device}' is a peer: its links belong in {UPLINKS_FILE}",
                )
            elif ctx.known("host", end.device, ctx.hosts) is False:
                log.error(
                    entry.file,
                    (*loc, side, "device"),
                    f"unknown device '{end.device}' (not in {HOSTS_FILE})",
                )
        if link.a.device == link.b.device:
            log.error(entry.file, (*loc, "b", "device"), f"link from '{link.a.device}' to itself")
            continue
        key = link.key
        if key in keys:
            first = keys[key]
            if link.id is None and first.item.id is None:
                log.error(
                    entry.file,
                    loc,
                    f"parallel links between {link.a.device} and {link.b.device}: give each "
                    f"an 'id' (the other is {_where(first)})",
                )
            else:
                log.error(
                    entry.file,
                    (*loc, "id"),
                    f"duplicate link id '{key}' (first at {_where(first)})",
                )
        else:
            keys[key] = entry
        for side in ("a", "b"):
            end = getattr(link, side)
            _check_interface(
                ctx,
                entry.file,
                (*loc, side, "interface"),
                end.device,
                end.interface,
                interfaces,
                f"link {key}",
            )
        for i, duct in enumerate(link.ducts):
            if ctx.known("duct", duct, ducts) is False:
                log.error(
                    entry.file, (*loc, "ducts", i), f"unknown duct '{duct}' (not in {DUCTS_FILE})"
                )
        if len(set(link.ducts)) < len(link.ducts):
            log.error(entry.file, (*loc, "ducts"), "a duct is listed twice")
        if ends_ok:
            a, b = ctx.hosts[link.a.device], ctx.hosts[link.b.device]
            _check_neighbours(
                ctx, entry.file, (*loc, "b", "device"), a.role, a.name, b.role, b.name
            )
    for uplink in p.uplinks:
        _check_interface(
            ctx,
            uplink.file,
            (*uplink.loc, "interface"),
            uplink.item.device,
            uplink.item.interface,
            interfaces,
            f"uplink {uplink.item.key}",
        )
    used_ducts = {d for e in p.links for d in e.item.ducts} | {
        d for e in p.uplinks for d in e.item.ducts
    }
    for duct_entry in p.ducts:
        name = duct_entry.item.name
        if ctx.readable(LINKS_FILE, UPLINKS_FILE) and name not in used_ducts:
            log.warning(
                duct_entry.file, (*duct_entry.loc, "name"), f"duct '{name}' carries no link"
            )


def _check_rings(ctx: _Context) -> None:
    p, log = ctx.parts, ctx.log
    adjacent = p.declared_links
    check_adjacency = ctx.readable(LINKS_FILE)
    interior_on: dict[tuple[int, str], str] = {}
    for entry in p.rings:
        ring, loc = entry.item, entry.loc
        members = ring.members
        if len(members) < 3:
            log.error(
                entry.file,
                (*loc, "members"),
                f"ring '{ring.name}' has {len(members)} member(s); a ring needs at least 3 "
                "(two closing nodes and the nodes between them)",
            )
        seen: dict[str, int] = {}
        for i, member in enumerate(members):
            mloc = (*loc, "members", i)
            if member in seen:
                log.error(
                    entry.file,
                    mloc,
                    f"ring '{ring.name}' passes '{member}' twice (also at position {seen[member]})",
                )
                continue
            seen[member] = i
            host = ctx.hosts.get(member)
            if host is None:
                if ctx.known("host", member, ctx.hosts) is False:
                    log.error(entry.file, mloc, f"unknown device '{member}' (not in {HOSTS_FILE})")
                continue
            is_end = i in (0, len(members) - 1)
            allowed = RING_ENDS[ring.level] if is_end else RING_MEMBERS[ring.level]
            if host.role not in allowed:
                position = "close" if is_end else "sit inside"
                log.error(
                    entry.file,
                    mloc,
                    f"a {host.role.value} cannot {position} a level-{ring.level} ring "
                    f"(expected {describe_roles(allowed)})",
                )
            if not is_end:
                key = (ring.level, member)
                if key in interior_on:
                    log.error(
                        entry.file,
                        mloc,
                        f"'{member}' is already on level-{ring.level} ring '{interior_on[key]}'",
                    )
                else:
                    interior_on[key] = ring.name
        for i, (first, second) in enumerate(itertools.pairwise(members)):
            if (
                check_adjacency
                and first != second  # a repeated member is reported above
                and first in ctx.hosts
                and second in ctx.hosts
                and frozenset((first, second)) not in adjacent
            ):
                log.error(
                    entry.file,
                    (*loc, "members", i + 1),
                    f"no link between ring neighbours '{first}' and '{second}' in {LINKS_FILE}",
                )


def _check_uplinks(ctx: _Context) -> None:
    p, log = ctx.parts, ctx.log
    peers = {e.item.name: e.item for e in p.peers}
    keys: set[str] = set()
    subnets: dict[Any, str] = {}
    for entry in p.uplinks:
        up, loc = entry.item, entry.loc
        host = ctx.hosts.get(up.device)
        peer = peers.get(up.peer)
        if host is None and ctx.known("host", up.device, ctx.hosts) is False:
            log.error(
                entry.file, (*loc, "device"), f"unknown device '{up.device}' (not in {HOSTS_FILE})"
            )
        if peer is None and ctx.known("peer", up.peer, peers) is False:
            log.error(
                entry.file,
                (*loc, "peer"),
                f"unknown peer '{up.peer}' (not in {UPLINKS_FILE} peers)",
            )
        if host is not None and peer is not None:
            _check_neighbours(
                ctx, entry.file, (*loc, "peer"), host.role, host.name, peer.role, peer.name
            )
        if up.key in keys:
            log.error(
                entry.file,
                (*loc, "id"),
                f"duplicate uplink '{up.key}': give parallel uplinks an 'id' each",
            )
        keys.add(up.key)
        for family in ("ipv4", "ipv6"):
            ours, theirs = getattr(up, family), getattr(up, f"peer_{family}")
            if (ours is None) != (theirs is None):
                log.error(
                    entry.file,
                    (*loc, family if ours is None else f"peer_{family}"),
                    f"give both ends an {family} address, or neither",
                )
            elif ours is not None and theirs is not None:
                if ours.network != theirs.network:
                    log.error(
                        entry.file,
                        (*loc, f"peer_{family}"),
                        f"{theirs} is not in the same subnet as {ours}",
                    )
                elif ours.ip == theirs.ip:
                    log.error(
                        entry.file,
                        (*loc, f"peer_{family}"),
                        f"both ends have the address {ours.ip}",
                    )
                elif ours.network in subnets:
                    log.error(
                        entry.file,
                        (*loc, family),
                        f"subnet {ours.network} is also used by uplink {subnets[ours.network]}",
                    )
                else:
                    subnets[ours.network] = up.key


def _check_pools(ctx: _Context) -> None:
    network, log = ctx.parts.network, ctx.log
    if network is None:
        return
    blocks: list[tuple[Loc, IPNetwork]] = []
    for kind in PoolKind:
        pool = pool_of(network.pools, kind)
        if pool is None:
            continue
        version, lengths = POOL_RULES[kind]
        loc: Loc = ("pools", kind.value)
        if pool.prefix.version != version:
            log.error(
                NETWORK_FILE, (*loc, "prefix"), f"{pool.prefix} is not an IPv{version} prefix"
            )
            continue
        if pool.length not in lengths:
            span = (
                f"/{lengths.start}"
                if len(lengths) == 1
                else f"/{lengths.start}../{lengths.stop - 1}"
            )
            log.error(
                NETWORK_FILE,
                (*loc, "length"),
                f"a {kind.value} allocation is {span}, not /{pool.length}",
            )
        blocks.append(((*loc, "prefix"), pool.prefix))
    for i, net in enumerate(network.management):
        blocks.append((("management", i), net))
    for i, (loc_a, net_a) in enumerate(blocks):
        for loc_b, net_b in blocks[:i]:
            if net_a.version == net_b.version and net_a.overlaps(net_b):
                log.error(
                    NETWORK_FILE, loc_a, f"{net_a} overlaps {net_b} ({'.'.join(map(str, loc_b))})"
                )
    for entry in ctx.parts.uplinks:
        for family in ("ipv4", "ipv6", "peer_ipv4", "peer_ipv6"):
            iface = getattr(entry.item, family)
            if iface is None:
                continue
            for loc_b, net in blocks:
                if net.version == iface.version and iface.network.overlaps(net):
                    log.error(
                        entry.file,
                        (*entry.loc, family),
                        f"{iface} overlaps the design's {'.'.join(map(str, loc_b))} {net}",
                    )


def _check_igp_timers(ctx: _Context) -> None:
    """The SPF back-off must be one every platform of the design can be configured with."""
    network = ctx.parts.network
    if network is None:
        return
    by_platform: dict[Platform, list[str]] = {}
    for name, host in sorted(ctx.hosts.items()):
        by_platform.setdefault(host.platform, []).append(name)
    for field in ("spf_initial_delay_ms", "spf_long_delay_ms"):
        value = getattr(network.igp, field)
        for platform, names in by_platform.items():
            allowed: range = getattr(PLATFORMS[platform], field)
            if value not in allowed:
                shown = ", ".join(names[:3]) + (
                    f" and {len(names) - 3} more" if len(names) > 3 else ""
                )
                ctx.log.error(
                    NETWORK_FILE,
                    ("igp", field),
                    f"{value} ms is outside what {platform.value} takes "
                    f"({allowed.start}..{allowed.stop - 1} ms; hosts {shown})",
                )


def _check_banner(ctx: _Context) -> None:
    """The login banner must be one every platform of the design can carry."""
    management = ctx.parts.management
    if not management.banner:
        return
    for platform in sorted({host.platform for host in ctx.hosts.values()}):
        why = banner_problem(platform, management.banner)
        if why is not None:
            ctx.log.error(MANAGEMENT_FILE, ("banner",), why)


def _check_dual_transport(ctx: _Context) -> None:
    """Every PE named in ``dual_transport.srv6_preferred`` exists and can originate SRv6 VPN
    routes."""
    network = ctx.parts.network
    knobs = network.dual_transport if network else None
    if knobs is None or not isinstance(knobs.srv6_preferred, list):
        return
    for i, name in enumerate(knobs.srv6_preferred):
        loc: Loc = ("dual_transport", "srv6_preferred", i)
        known = ctx.known("host", name, ctx.hosts)
        if known is False:
            ctx.log.error(NETWORK_FILE, loc, f"unknown device '{name}' (not in {HOSTS_FILE})")
        elif known and not is_srv6_pe(ctx.hosts[name].role):
            role = ctx.hosts[name].role.value
            ctx.log.error(
                NETWORK_FILE,
                loc,
                f"'{name}' is a {role}, not a PE that originates SRv6 VPN routes",
            )


def _check_services(ctx: _Context) -> None:
    p, log = ctx.parts, ctx.log
    sites = {e.item.name for e in p.sites}
    departments = {e.item.name: e.item for e in p.departments}
    for entry in p.vpns:
        vpn, loc = entry.item, entry.loc
        if vpn.sites != "all":
            if not vpn.sites:
                log.error(entry.file, (*loc, "sites"), f"VPN '{vpn.name}' has no sites")
            seen: set[str] = set()
            for i, site in enumerate(vpn.sites):
                if site in seen:
                    log.error(entry.file, (*loc, "sites", i), f"site '{site}' is listed twice")
                seen.add(site)
                if ctx.known("site", site, sites) is False:
                    log.error(
                        entry.file,
                        (*loc, "sites", i),
                        f"unknown site '{site}' (not in {SITES_FILE})",
                    )
        department = departments.get(vpn.department) if vpn.department else None
        if (
            vpn.department
            and department is None
            and ctx.known("department", vpn.department, departments) is False
        ):
            log.error(entry.file, (*loc, "department"), f"unknown department '{vpn.department}'")
        if vpn.zone is Zone.PRIVATE:
            if vpn.department is None:
                log.error(
                    entry.file, (*loc, "department"), "a private-zone VPN belongs to a department"
                )
            elif department is not None and department.attachment_class not in PRIVATE_CLASSES:
                log.error(
                    entry.file,
                    (*loc, "department"),
                    f"department '{department.name}' has attachment class "
                    f"{department.attachment_class.value}, which has no private network "
                    "(expected class D or E)",
                )


def _check_demands(ctx: _Context) -> None:
    p, log = ctx.parts, ctx.log
    sites = {e.item.name for e in p.sites}
    seen: dict[tuple[str, str], int] = {}
    for entry in p.demands:
        demand, loc = entry.item, entry.loc
        for field in ("source", "target"):
            site = getattr(demand, field)
            if ctx.known("site", site, sites) is False:
                log.error(entry.file, (*loc, field), f"unknown site '{site}' (not in {SITES_FILE})")
        if demand.source == demand.target:
            log.error(entry.file, (*loc, "target"), "a demand from a site to itself")
        pair = (demand.source, demand.target)
        if pair in seen:
            log.error(
                entry.file,
                loc,
                f"a second demand from {pair[0]} to {pair[1]} (the first is demands[{seen[pair]}])",
            )
        else:
            seen[pair] = int(loc[1]) if isinstance(loc[1], int) else 0


def _check_linux_routers(ctx: _Context) -> None:
    """A production FRR host (a Linux router) renders its own management plane
    (govnet.templates.linux_host): nftables admits SSH from the management prefixes only, and
    the console prints the banner from /etc/issue."""
    routers = sorted(e.item.name for e in ctx.parts.hosts if e.item.platform is Platform.FRR)
    if not routers or not ctx.readable(MANAGEMENT_FILE):
        return
    management = ctx.parts.management
    named = ", ".join(routers)
    if management.remote_access.allowed_prefixes == []:
        ctx.log.error(
            MANAGEMENT_FILE,
            ("remote_access", "allowed_prefixes"),
            f"empty: the nftables filter of the production FRR host(s) {named} admits SSH from "
            "these prefixes only (leave the field out for the network's management prefixes)",
        )
    fault = banner_fault(management.banner)
    if fault:
        ctx.log.error(
            MANAGEMENT_FILE,
            ("banner",),
            f"holds {fault}: the production FRR host(s) {named} print the banner from /etc/issue",
        )
