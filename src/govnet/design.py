"""A design: the directory of YAML files, loaded, checked and turned into one typed object.

``load_design(path)`` reads every file, validates every item, runs the cross-file checks and the
address allocation, and either returns a :class:`Design` or raises :class:`DesignError` carrying
every problem found (each with file, line and field). It never writes anything.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govnet.checks.policy_models import Policy, PolicyFile
from govnet.diagnostics import DesignError, Loc, Problem, ProblemLog, sort_problems
from govnet.inventory.models import CREDENTIAL_KEYS, Defaults, Group, Host
from govnet.inventory.roles import ROLES, Role
from govnet.ipv6.models import Service, WavesFile
from govnet.reading import (
    Entry,
    check_top_level,
    raw_names,
    read_list,
    read_named_mapping,
    validate_item,
)
from govnet.topology.addressing import (
    LOCK_FILE,
    Addressing,
    LockDiff,
    PoolKind,
    allocate,
    read_lock,
)
from govnet.topology.models import (
    Demand,
    Department,
    District,
    Duct,
    Link,
    Management,
    Network,
    PeCe,
    Peer,
    Ring,
    Site,
    Uplink,
    Vpn,
)
from govnet.topology.services import attachments
from govnet.yamlio import YamlDocument, YamlSyntaxError, read_yaml

DESIGN_FOLDERS = ("inventory", "topology", "ipv6", "checks")

HOSTS_FILE = "inventory/hosts.yaml"
GROUPS_FILE = "inventory/groups.yaml"
DEFAULTS_FILE = "inventory/defaults.yaml"
NETWORK_FILE = "topology/network.yaml"
SITES_FILE = "topology/sites.yaml"
RINGS_FILE = "topology/rings.yaml"
LINKS_FILE = "topology/links.yaml"
DUCTS_FILE = "topology/ducts.yaml"
UPLINKS_FILE = "topology/uplinks.yaml"
SERVICES_FILE = "topology/services.yaml"
DEMANDS_FILE = "topology/demands.yaml"
MANAGEMENT_FILE = "topology/management.yaml"
POLICIES_FILE = "checks/policies.yaml"
WAVES_FILE = "ipv6/waves.yaml"
IPV6_SERVICES_FILE = "ipv6/services.yaml"
PLAN_FILE = "ipv6/plan.yaml"
PLAN_LOCK_FILE = "ipv6/plan.lock.yaml"

REQUIRED_FILES = (HOSTS_FILE, NETWORK_FILE, SITES_FILE, LINKS_FILE)
KNOWN_FILES = {
    "inventory": {HOSTS_FILE, GROUPS_FILE, DEFAULTS_FILE},
    "topology": {
        NETWORK_FILE,
        SITES_FILE,
        RINGS_FILE,
        LINKS_FILE,
        DUCTS_FILE,
        UPLINKS_FILE,
        SERVICES_FILE,
        DEMANDS_FILE,
        MANAGEMENT_FILE,
        LOCK_FILE,
    },
    "checks": {POLICIES_FILE},
    "ipv6": {WAVES_FILE, IPV6_SERVICES_FILE, PLAN_FILE, PLAN_LOCK_FILE},
}

ENV_DESIGN = "GOVNET_DESIGN"


if TYPE_CHECKING:
    from govnet.ipv6.plan import AddressPlan


@dataclass
class DesignParts:
    """Everything read from the files, before the cross-file checks; items keep their origin."""

    root: Path
    docs: dict[str, YamlDocument] = field(default_factory=dict)
    network: Network | None = None
    hosts: list[Entry[Host]] = field(default_factory=list)
    groups: list[Entry[Group]] = field(default_factory=list)
    defaults: Defaults = field(default_factory=Defaults)
    districts: list[Entry[District]] = field(default_factory=list)
    sites: list[Entry[Site]] = field(default_factory=list)
    rings: list[Entry[Ring]] = field(default_factory=list)
    links: list[Entry[Link]] = field(default_factory=list)
    ducts: list[Entry[Duct]] = field(default_factory=list)
    peers: list[Entry[Peer]] = field(default_factory=list)
    uplinks: list[Entry[Uplink]] = field(default_factory=list)
    departments: list[Entry[Department]] = field(default_factory=list)
    vpns: list[Entry[Vpn]] = field(default_factory=list)
    pe_ce: PeCe = field(default_factory=PeCe)
    demands: list[Entry[Demand]] = field(default_factory=list)
    management: Management = field(default_factory=Management)
    policies: list[Policy] = field(default_factory=list)
    waves: WavesFile = field(default_factory=WavesFile)
    ipv6_services: list[Entry[Service]] = field(default_factory=list)
    # every name declared, valid or not (see reading.raw_names)
    declared: dict[str, set[str]] = field(default_factory=dict)
    # device pairs joined by a link and sites named by a host, valid or not
    declared_links: set[frozenset[str]] = field(default_factory=set)
    declared_host_sites: set[str] = field(default_factory=set)
    # files that could not be read at all: checks that need them are skipped, not failed
    unreadable: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Design:
    """A loaded, checked design. Plain data plus indexes; build the graph with
    :func:`govnet.topology.graph.build_graph`."""

    root: Path
    network: Network
    hosts: dict[str, Host]
    groups: dict[str, Group]
    defaults: Defaults
    districts: dict[str, District]
    sites: dict[str, Site]
    rings: list[Ring]
    links: list[Link]
    ducts: dict[str, Duct]
    peers: dict[str, Peer]
    uplinks: list[Uplink]
    departments: dict[str, Department]
    vpns: list[Vpn]
    demands: list[Demand]
    management: Management
    policies: list[Policy]
    waves: WavesFile
    ipv6_services: list[Service]
    ipv6_plan: AddressPlan | None
    addressing: Addressing
    lock_diff: LockDiff
    warnings: list[Problem]
    pe_ce: PeCe = field(default_factory=PeCe)  # services.yaml `pe_ce`: PE-CE prefix limits

    @cached_property
    def hosts_by_site(self) -> dict[str, list[Host]]:
        result: dict[str, list[Host]] = {}
        for host in self.hosts.values():
            result.setdefault(host.site, []).append(host)
        return result

    @cached_property
    def site_district(self) -> dict[str, str]:
        """A site's district is the district its devices name (checked to agree at load)."""
        return {site: hosts[0].district for site, hosts in self.hosts_by_site.items()}

    def hosts_with_role(self, *roles: Role) -> list[Host]:
        return [h for h in self.hosts.values() if h.role in roles]

    @property
    def locks_changed(self) -> bool:
        """Whether `govnet lock` would write anything (addresses or the IPv6 plan)."""
        return self.lock_diff.changed or bool(self.ipv6_plan and self.ipv6_plan.lock_changed)

    @property
    def route_reflectors(self) -> list[Host]:
        return [h for h in self.hosts.values() if ROLES[h.role].route_reflector]


def reference_design_path() -> Path:
    """The embedded reference design: the repository root in a checkout, or the copy
    shipped inside the installed package."""
    checkout = Path(__file__).resolve().parents[2]
    if (
        all((checkout / folder).is_dir() for folder in DESIGN_FOLDERS)
        and (checkout / NETWORK_FILE).is_file()
    ):
        return checkout
    return Path(str(resources.files("govnet") / "_reference"))


def default_design_path() -> Path:
    """``$GOVNET_DESIGN``, else the current directory if it is a design, else the reference."""
    if os.environ.get(ENV_DESIGN):
        return Path(os.environ[ENV_DESIGN])
    cwd = Path.cwd()
    if (cwd / NETWORK_FILE).is_file() and (cwd / HOSTS_FILE).is_file():
        return cwd
    return reference_design_path()


# --- reading ----------------------------------------------------------------------------------


def _read(root: Path, name: str, parts: DesignParts, log: ProblemLog) -> YamlDocument | None:
    path = root / name
    if not path.is_file():
        if name in REQUIRED_FILES:
            log.error(name, (), "required file is missing")
            parts.unreadable.add(name)
        return None
    try:
        doc = read_yaml(path, name)
    except YamlSyntaxError as error:
        log.extend([error.problem])
        parts.unreadable.add(name)
        return None
    parts.docs[name] = doc
    if doc.data is None and name in REQUIRED_FILES:
        log.error(name, (), "the file is empty (a design cannot do without it)")
        parts.unreadable.add(name)
        return None
    if doc.data is not None and not isinstance(doc.data, dict):
        parts.unreadable.add(name)  # reported by the reader that expected a mapping
    return doc


def _check_folders(root: Path, log: ProblemLog, unreadable: set[str]) -> bool:
    if not root.is_dir():
        log.error(str(root), (), "design directory does not exist")
        return False
    enclosing = _enclosing_design(root)
    if enclosing is None and not any((root / f).is_dir() for f in DESIGN_FOLDERS):
        folders = ", ".join(f"{f}/" for f in DESIGN_FOLDERS)
        log.error(str(root), (), f"not a design directory: it has none of {folders}")
        return False
    if enclosing is not None:
        log.error(
            str(root),
            (),
            f"this looks like the {root.name}/ folder of the design at {enclosing}; "
            f"use --design {enclosing}",
        )
        return False
    for folder in DESIGN_FOLDERS:
        if not (root / folder).is_dir():
            log.error(f"{folder}/", (), f"missing design folder '{folder}/' in {root}")
    for folder, known in KNOWN_FILES.items():
        directory = root / folder
        if not directory.is_dir():
            continue
        missing = sorted(Path(k).name for k in known if not (root / k).is_file())
        for path in sorted(directory.glob("*.y*ml")):
            name = f"{folder}/{path.name}"
            if name in known:
                continue
            renamed = difflib.get_close_matches(path.name, missing, n=1, cutoff=0.75)
            if renamed:
                # one mistake: say it here, and not again for every name the file declares
                unreadable.add(f"{folder}/{renamed[0]}")
                log.error(
                    name,
                    (),
                    f"unknown design file; did you mean {folder}/{renamed[0]}?"
                    f" (renamed, {folder}/{renamed[0]} is missing)",
                )
                continue
            expected = ", ".join(sorted(Path(k).name for k in known))
            log.error(name, (), f"unknown design file (expected one of: {expected})")
    return True


def _enclosing_design(root: Path) -> Path | None:
    """The design a sub-folder of a design belongs to (``--design mycity/topology``)."""
    if any((root / folder).is_dir() for folder in DESIGN_FOLDERS):
        return None
    for parent in list(root.resolve().parents)[:2]:
        if (parent / NETWORK_FILE).is_file() and (parent / HOSTS_FILE).is_file():
            return parent
    return None


def _refuse_credentials(doc: YamlDocument, log: ProblemLog) -> None:
    """Nornir would accept credentials in these files; govnet never does."""
    data = doc.data if isinstance(doc.data, dict) else {}
    bodies: list[tuple[Loc, Any]] = (
        [((), data)] if doc.name == DEFAULTS_FILE else [((str(k),), v) for k, v in data.items()]
    )
    for loc, body in bodies:
        if not isinstance(body, dict):
            continue
        for key in CREDENTIAL_KEYS:
            if key in body:
                log.error(
                    doc.name,
                    (*loc, key),
                    "credentials are never stored in design files "
                    "(set GOVNET_USERNAME and GOVNET_PASSWORD in the environment)",
                )
                del body[key]


def read_parts(root: Path, log: ProblemLog) -> DesignParts:
    parts = DesignParts(root=root)
    if not _check_folders(root, log, parts.unreadable):
        return parts
    declared = parts.declared

    def sections(name: str, keys: tuple[str, ...]) -> tuple[YamlDocument | None, Mapping[str, Any]]:
        doc = _read(root, name, parts, log)
        return doc, (check_top_level(doc, keys, log) if doc else {})

    if doc := _read(root, HOSTS_FILE, parts, log):
        _refuse_credentials(doc, log)
        parts.hosts = read_named_mapping(doc, Host, log)
        declared["host"] = raw_names(doc.data)
        parts.declared_host_sites = _raw_host_sites(doc.data)
    if doc := _read(root, GROUPS_FILE, parts, log):
        _refuse_credentials(doc, log)
        parts.groups = read_named_mapping(doc, Group, log)
        declared["group"] = raw_names(doc.data)
    if doc := _read(root, DEFAULTS_FILE, parts, log):
        _refuse_credentials(doc, log)
        parts.defaults = validate_item(Defaults, doc.data or {}, doc.name, (), log) or Defaults()
    if doc := _read(root, NETWORK_FILE, parts, log):
        parts.network = validate_item(Network, doc.data or {}, doc.name, (), log)

    doc, data = sections(SITES_FILE, ("districts", "sites"))
    if doc:
        parts.districts = read_list(doc, data, "districts", District, log)
        parts.sites = read_list(doc, data, "sites", Site, log)
        declared["district"] = raw_names(data, "districts")
        declared["site"] = raw_names(data, "sites")
    doc, data = sections(RINGS_FILE, ("rings",))
    if doc:
        parts.rings = read_list(doc, data, "rings", Ring, log)
    doc, data = sections(LINKS_FILE, ("links",))
    if doc:
        parts.links = read_list(doc, data, "links", Link, log)
        parts.declared_links = _raw_link_pairs(data.get("links"))
    doc, data = sections(DUCTS_FILE, ("ducts",))
    if doc:
        parts.ducts = read_list(doc, data, "ducts", Duct, log)
        declared["duct"] = raw_names(data, "ducts")
    doc, data = sections(UPLINKS_FILE, ("peers", "uplinks"))
    if doc:
        parts.peers = read_list(doc, data, "peers", Peer, log)
        parts.uplinks = read_list(doc, data, "uplinks", Uplink, log)
        declared["peer"] = raw_names(data, "peers")
    doc, data = sections(SERVICES_FILE, ("departments", "vpns", "pe_ce"))
    if doc:
        parts.departments = read_list(doc, data, "departments", Department, log)
        parts.vpns = read_list(doc, data, "vpns", Vpn, log)
        pe_ce = validate_item(PeCe, data.get("pe_ce") or {}, doc.name, ("pe_ce",), log)
        parts.pe_ce = pe_ce or PeCe()
        declared["department"] = raw_names(data, "departments")
    doc, data = sections(DEMANDS_FILE, ("demands",))
    if doc:
        parts.demands = read_list(doc, data, "demands", Demand, log)
    if doc := _read(root, POLICIES_FILE, parts, log):
        policy_file = validate_item(PolicyFile, doc.data or {"policies": []}, doc.name, (), log)
        parts.policies = list(policy_file.policies) if policy_file else []
    if doc := _read(root, WAVES_FILE, parts, log):
        parts.waves = validate_item(WavesFile, doc.data or {}, doc.name, (), log) or WavesFile()
    doc, data = sections(IPV6_SERVICES_FILE, ("services",))
    if doc:
        parts.ipv6_services = read_list(doc, data, "services", Service, log)
    if doc := _read(root, MANAGEMENT_FILE, parts, log):
        parts.management = (
            validate_item(Management, doc.data or {}, doc.name, (), log) or Management()
        )
    return parts


def _raw_host_sites(data: Any) -> set[str]:
    if not isinstance(data, dict):
        return set()
    bodies = [b.get("data") for b in data.values() if isinstance(b, dict)]
    return {str(d["site"]) for d in bodies if isinstance(d, dict) and "site" in d}


def _raw_link_pairs(items: Any) -> set[frozenset[str]]:
    pairs: set[frozenset[str]] = set()
    for item in items if isinstance(items, list) else []:
        ends = [item.get(side) for side in ("a", "b")] if isinstance(item, dict) else []
        devices = [str(e["device"]) for e in ends if isinstance(e, dict) and "device" in e]
        if len(devices) == 2:
            pairs.add(frozenset(devices))
    return pairs


def _first_by_name(entries: list[Entry[Any]]) -> dict[str, Any]:
    """Duplicates are reported by the checks; the first definition is the one kept."""
    result: dict[str, Any] = {}
    for entry in entries:
        result.setdefault(entry.item.name, entry.item)
    return result


def user_subnet_key(site: str, vpn: str) -> str:
    """Allocation key of a site's user-facing subnet in one VPN."""
    return f"{site}/{vpn}"


def addresses_needed(
    design_hosts: Mapping[str, Host], links: list[Link], vpns: list[Vpn]
) -> dict[PoolKind, list[str]]:
    """Every key that needs a prefix: devices (loopbacks, locators), links and the
    per-VPN sub-interfaces of PE-CE links."""
    managed = sorted(design_hosts)
    subnets = {link.key for link in links} | {a.key for a in attachments(design_hosts, links, vpns)}
    lan_sites = {h.site for h in design_hosts.values() if h.data.lan_interface}
    all_sites = {h.site for h in design_hosts.values()}
    user = sorted(
        user_subnet_key(site, vpn.name)
        for vpn in vpns
        for site in (all_sites if vpn.sites == "all" else set(vpn.sites)) & lan_sites
    )
    return {
        PoolKind.USER_IPV4: user,
        PoolKind.LOOPBACK_IPV4: managed,
        PoolKind.LOOPBACK_IPV6: managed,
        PoolKind.LINK_IPV4: sorted(subnets),
        PoolKind.LINK_IPV6: sorted(subnets),
        PoolKind.SRV6_LOCATOR: sorted(n for n, h in design_hosts.items() if ROLES[h.role].srv6),
    }


def load_design(
    root: Path | str | None = None, renumber: frozenset[PoolKind] = frozenset()
) -> Design:
    """Load and check a design; raise :class:`DesignError` with every problem if it is wrong.
    Pools named in ``renumber`` ignore their lock entries and allocate afresh."""
    from govnet.semantics import check_parts  # the checks import this module's types

    root = Path(root) if root is not None else default_design_path()
    log = ProblemLog()
    parts = read_parts(root, log)
    check_parts(parts, log)

    hosts = _first_by_name(parts.hosts)
    links = [e.item for e in parts.links]
    addressing, lock_diff = Addressing({}), LockDiff({}, {})
    if parts.network is not None and not log.errors:
        lock_doc = _read(root, LOCK_FILE, parts, log)
        lock = read_lock(lock_doc, log).without(renumber)
        addressing, lock_diff = allocate(
            parts.network.pools,
            addresses_needed(hosts, links, [e.item for e in parts.vpns]),
            lock,
            log,
            NETWORK_FILE,
        )

    plan = None
    if parts.network is not None and not log.errors:
        from govnet.ipv6.plan import plan_keys, read_plan  # the plan module reads design types

        district = {h.site: h.district for h in hosts.values()}
        keys = plan_keys([e.item for e in parts.vpns], district)
        plan, plan_docs = read_plan(root, parts.network, keys, log)
        parts.docs.update(plan_docs)
    problems = [_with_line(p, parts.docs) for p in log.problems]
    if any(p.severity == "error" for p in problems) or parts.network is None:
        raise DesignError(sort_problems(problems))
    return Design(
        root=root,
        network=parts.network,
        hosts=hosts,
        groups=_first_by_name(parts.groups),
        defaults=parts.defaults,
        districts=_first_by_name(parts.districts),
        sites=_first_by_name(parts.sites),
        rings=[e.item for e in parts.rings],
        links=links,
        ducts=_first_by_name(parts.ducts),
        peers=_first_by_name(parts.peers),
        uplinks=[e.item for e in parts.uplinks],
        departments=_first_by_name(parts.departments),
        vpns=[e.item for e in parts.vpns],
        demands=[e.item for e in parts.demands],
        management=parts.management,
        policies=parts.policies,
        waves=parts.waves,
        ipv6_services=[e.item for e in parts.ipv6_services],
        ipv6_plan=plan,
        addressing=addressing,
        lock_diff=lock_diff,
        warnings=sort_problems(problems),
        pe_ce=parts.pe_ce,
    )


def _with_line(problem: Problem, docs: Mapping[str, YamlDocument]) -> Problem:
    doc = docs.get(problem.file)
    return doc.locate(problem) if doc is not None else problem
