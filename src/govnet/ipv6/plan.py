"""The city's IPv6 address plan: zone -> district -> site -> unit -> subnet, nibble-aligned.

``ipv6/plan.yaml`` gives the city prefix, the bits and growth reserve of each level, the value of
each zone and the number of /64s per unit (a VPN at a site). The infrastructure zone holds the
design's IPv6 pools (``topology/network.yaml``); the SRv6 SID block and its locator length are the
design's ``pools.srv6_locator`` and are only shown here.

Allocation is sticky, like the foundation's pools (:mod:`govnet.topology.addressing`):
``ipv6/plan.lock.yaml`` records every district, site and unit by its path
(``private/binhai/humen/GA-VIDEO``). A path still needed keeps its prefix; a new path takes the
lowest free slot of its parent; slot 0 of every level is reserved (it names the parent). Zones are
given by the plan and subnets by their index (subnet ``i`` of a unit is its slot ``i + 1``), so
neither is locked. A fresh plan allocates siblings in sorted order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from ipaddress import IPv6Network
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import Field
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from govnet.diagnostics import Loc, Problem, ProblemLog
from govnet.models import StrictModel
from govnet.reading import validate_item
from govnet.topology.addressing import MAX_OUTSIDE_LISTED, PoolKind, Prefix, usable_slots
from govnet.topology.models import Network, Pool, Pools, Vpn, Zone
from govnet.yamlio import YamlDocument, YamlSyntaxError, read_yaml, write_atomically

PLAN_FILE = "ipv6/plan.yaml"
PLAN_LOCK_FILE = "ipv6/plan.lock.yaml"
NETWORK_FILE = "topology/network.yaml"
PLAN_LOCK_HEADER = (
    "# Allocations of the IPv6 address plan (ipv6/plan.yaml), written by govnet. Commit this\n"
    "# file: a district, site or unit keeps its prefix for as long as it stays in the design.\n"
)

LEVEL_NAMES = ("zone", "district", "site", "unit", "subnet")
ZONE, DISTRICT, SITE, UNIT, SUBNET = range(len(LEVEL_NAMES))
INFRASTRUCTURE = "infrastructure"
ZONE_NAMES = (*(z.value for z in Zone), INFRASTRUCTURE)
SRV6_POOL = "srv6_locator"
SUBNET_LENGTH = 64
NIBBLE = 4
DEFAULT_SUBNETS_PER_UNIT = 4


# --- plan.yaml ----------------------------------------------------------------------------------


class LevelModel(StrictModel):
    name: str
    bits: int = Field(ge=1, le=64, description="a multiple of 4 (one hex digit per nibble)")
    growth: float = Field(ge=0, lt=1, description="fraction of the level's slots kept free")


class PlanModel(StrictModel):
    prefix: str = Field(description="the city's IPv6 prefix")
    levels: list[LevelModel] = Field(description="zone, district, site, unit, subnet")
    subnets_per_unit: int = Field(default=DEFAULT_SUBNETS_PER_UNIT, ge=1)
    zones: dict[str, int] = Field(description="zone name -> value of its nibble(s)")


class PlanKey(NamedTuple):
    """One unit of the plan: a VPN (of a zone) at a site (of a district)."""

    zone: str
    district: str
    site: str
    vpn: str


@dataclass(frozen=True)
class PlanLevel:
    name: str
    bits: int
    growth: float

    @property
    def index(self) -> int:
        return LEVEL_NAMES.index(self.name)

    @property
    def slots(self) -> int:
        return 1 << self.bits

    @property
    def available(self) -> int:
        """Child slots a parent may hand out: slot 0 is reserved, ``growth`` of them stay free."""
        return min(math.floor(round(self.slots * (1 - self.growth), 9)), self.slots - 1)

    def exhausted(self, parent: str, needed: int) -> str:
        return (
            f"{parent} needs {needed} {self.name} slots; {self.available} of {self.slots} may be "
            f"used with {self.growth * 100:g}% kept for growth"
        )


@dataclass(frozen=True)
class PlanSpec:
    """What plan.yaml says, checked: the hierarchy the allocator works in."""

    prefix: Prefix
    levels: tuple[PlanLevel, ...]
    zones: dict[str, int]
    subnets_per_unit: int = DEFAULT_SUBNETS_PER_UNIT

    def zone_prefix(self, zone: str) -> Prefix:
        return child_prefix(self.prefix, self.levels[ZONE].bits, self.zones[zone])


# --- prefix arithmetic on the foundation's Prefix -----------------------------------------------


def child_prefix(parent: Prefix, bits: int, slot: int) -> Prefix:
    length = parent.length + bits
    return Prefix(parent.version, parent.address + (slot << (parent.bits - length)), length)


def slot_of(parent: Prefix, child: Prefix) -> int:
    return (child.address - parent.address) >> (child.bits - child.length)


def contains(outer: Prefix, inner: Prefix) -> bool:
    shift = outer.bits - outer.length
    return (
        outer.version == inner.version
        and inner.length >= outer.length
        and inner.address >> shift == outer.address >> shift
    )


def overlaps(a: Prefix, b: Prefix) -> bool:
    return contains(a, b) or contains(b, a)


def pool_prefix(pool: Pool) -> Prefix:
    return Prefix(pool.prefix.version, int(pool.prefix.network_address), pool.prefix.prefixlen)


def ipv6_pools(pools: Pools) -> dict[str, Pool]:
    """Every IPv6 pool of network.yaml, by its field name (whatever pools the model has)."""
    found = {name: getattr(pools, name) for name in type(pools).model_fields}
    return {
        name: pool
        for name, pool in found.items()
        if isinstance(pool, Pool) and isinstance(pool.prefix, IPv6Network)
    }


def _in_plan(loc: Loc, message: str) -> Problem:
    return Problem(PLAN_FILE, loc, message)


def _in_lock(path: str, message: str) -> Problem:
    return Problem(PLAN_LOCK_FILE, (path,), message)


# --- reading and checking plan.yaml -------------------------------------------------------------


def parse_plan(doc: YamlDocument, pools: Pools, log: ProblemLog) -> PlanSpec | None:
    """plan.yaml as a :class:`PlanSpec`, or None with every problem in the log."""
    if doc.data is not None and not isinstance(doc.data, dict):
        log.error(
            doc.name, (), f"expected a mapping with the keys {', '.join(PlanModel.model_fields)}"
        )
        return None
    model = validate_item(PlanModel, doc.data or {}, doc.name, (), log)
    if model is None:
        return None
    prefix, problems = _parse_prefix(model.prefix)
    levels = tuple(PlanLevel(lv.name, lv.bits, lv.growth) for lv in model.levels)
    problems += _level_problems(levels)
    if problems:
        log.extend(problems)
        return None
    assert prefix is not None
    problems += _length_problems(prefix, levels)
    problems += _zone_problems(model.zones, levels[ZONE])
    problems += _subnet_problems(model.subnets_per_unit, levels[SUBNET])
    if problems:
        log.extend(problems)
        return None
    spec = PlanSpec(prefix, levels, dict(model.zones), model.subnets_per_unit)
    problems = _infrastructure_problems(spec, pools)
    log.extend(problems)
    return None if problems else spec


def _parse_prefix(text: str) -> tuple[Prefix | None, list[Problem]]:
    def problem(message: str) -> tuple[None, list[Problem]]:
        return None, [_in_plan(("prefix",), message)]

    try:
        prefix = Prefix.parse(text)
    except ValueError as error:
        try:
            expected = f" (expected {IPv6Network(text.strip(), strict=False)})"
        except ValueError:
            expected = " (expected an IPv6 prefix such as 2001:db8:700::/40)"
        return problem(f"{error}{expected}")
    if prefix.version != 6:
        return problem(f"{prefix} is not an IPv6 prefix (expected one such as 2001:db8:700::/40)")
    if prefix.length % NIBBLE:
        return problem(f"/{prefix.length} is not nibble-aligned (expected a multiple of {NIBBLE})")
    return prefix, []


def _level_problems(levels: Sequence[PlanLevel]) -> list[Problem]:
    order = ", ".join(LEVEL_NAMES)
    if len(levels) != len(LEVEL_NAMES):
        return [
            _in_plan(
                ("levels",),
                f"expected {len(LEVEL_NAMES)} levels ({order}), got {len(levels)}",
            )
        ]
    problems: list[Problem] = []
    for index, (level, expected) in enumerate(zip(levels, LEVEL_NAMES, strict=True)):
        if level.name != expected:
            problems.append(
                _in_plan(
                    ("levels", index, "name"),
                    f"expected '{expected}' (the levels are {order}, in this order)",
                )
            )
        if level.bits % NIBBLE:
            problems.append(
                _in_plan(
                    ("levels", index, "bits"),
                    f"{level.bits} is not nibble-aligned (expected a multiple of {NIBBLE})",
                )
            )
    return problems


def _length_problems(prefix: Prefix, levels: Sequence[PlanLevel]) -> list[Problem]:
    total = prefix.length + sum(level.bits for level in levels)
    if total == SUBNET_LENGTH:
        return []
    bits = " + ".join(str(level.bits) for level in levels)
    return [
        _in_plan(
            ("prefix",),
            f"{prefix} and the levels' bits ({bits}) add up to /{total} "
            f"(expected /{SUBNET_LENGTH})",
        )
    ]


def _zone_value_problem(
    name: str, value: int, owner: Mapping[int, str], level: PlanLevel
) -> str | None:
    if name not in ZONE_NAMES:
        return f"unknown zone '{name}' (expected one of: {', '.join(ZONE_NAMES)})"
    if not 1 <= value < level.slots:
        why = "is slot 0, which names the city prefix" if value == 0 else "does not fit"
        return f"{value} {why} (expected 1..{level.slots - 1}, {level.bits} bits)"
    if value in owner:
        return (
            f"{value} is also the value of zone {owner[value]} (expected a distinct value per zone)"
        )
    return None


def _zone_problems(zones: Mapping[str, int], level: PlanLevel) -> list[Problem]:
    problems: list[Problem] = []
    owner: dict[int, str] = {}
    for name, value in zones.items():
        problem = _zone_value_problem(name, value, owner, level)
        if problem is None:
            owner[value] = name
        else:
            problems.append(_in_plan(("zones", name), problem))
    if INFRASTRUCTURE not in zones:
        where = f"the zone that holds the IPv6 pools of {NETWORK_FILE}"
        problems.append(_in_plan(("zones",), f"missing zone '{INFRASTRUCTURE}' (expected {where})"))
    if len(zones) > level.available:
        problem = level.exhausted("the city prefix", len(zones))
        problems.append(_in_plan(("levels", ZONE, "growth"), problem))
    return problems


def _subnet_problems(subnets_per_unit: int, level: PlanLevel) -> list[Problem]:
    if subnets_per_unit <= level.available:
        return []
    return [_in_plan(("subnets_per_unit",), level.exhausted("each unit", subnets_per_unit))]


def _infrastructure_problems(spec: PlanSpec, pools: Pools) -> list[Problem]:
    """Infrastructure pools lie in the infrastructure zone; no pool overlaps a user zone."""
    problems: list[Problem] = []
    infrastructure = spec.zone_prefix(INFRASTRUCTURE)
    found = ipv6_pools(pools)
    for name, pool in found.items():
        if name != SRV6_POOL and not contains(infrastructure, pool_prefix(pool)):
            problems.append(
                _in_plan(
                    ("zones", INFRASTRUCTURE),
                    f"pools.{name} {pool.prefix} of {NETWORK_FILE} is outside the infrastructure "
                    f"zone {infrastructure} (expected every IPv6 pool but {SRV6_POOL} inside it)",
                )
            )
    for zone in spec.zones:
        if zone == INFRASTRUCTURE:
            continue
        zone_prefix = spec.zone_prefix(zone)
        problems += [
            _in_plan(
                ("zones", zone),
                f"zone {zone} {zone_prefix} overlaps pools.{name} {pool.prefix} of "
                f"{NETWORK_FILE} (expected user zones clear of the design's pools)",
            )
            for name, pool in found.items()
            if overlaps(zone_prefix, pool_prefix(pool))
        ]
    return problems


# --- the keys -----------------------------------------------------------------------------------


def plan_keys(vpns: Iterable[Vpn], site_district: Mapping[str, str]) -> list[PlanKey]:
    """Every unit the design needs: each VPN at each of its sites that has a device
    (``sites: all`` is every such site); a site's district is the one its devices name."""
    keys: set[PlanKey] = set()
    for vpn in vpns:
        sites = site_district if vpn.sites == "all" else vpn.sites
        keys.update(
            PlanKey(vpn.zone.value, site_district[site], site, vpn.name)
            for site in sites
            if site in site_district
        )
    return sorted(keys)


# --- sticky allocation (pure) -------------------------------------------------------------------


def _wanted(keys: Iterable[PlanKey], zones: Mapping[str, int]) -> dict[str, set[str]]:
    """Parent path -> child paths of every node the keys need; the user zones are the roots."""
    children: dict[str, set[str]] = {}
    for key in keys:
        if key.zone not in zones or key.zone == INFRASTRUCTURE:
            continue
        path = key.zone
        for name in (key.district, key.site, key.vpn):
            child = f"{path}/{name}"
            children.setdefault(path, set()).add(child)
            path = child
    return children


def _by_parent(locked: Mapping[str, Prefix]) -> dict[str, dict[str, Prefix]]:
    result: dict[str, dict[str, Prefix]] = {}
    for path, prefix in locked.items():
        result.setdefault(path.rpartition("/")[0], {})[path] = prefix
    return result


def _describe_parent(path: str) -> str:
    parts = path.split("/")
    names = ("zone", "district", "site")
    return " of ".join(f"{names[i]} {parts[i]}" for i in reversed(range(len(parts))))


def _missing_zone_problems(spec: PlanSpec, keys: Iterable[PlanKey]) -> list[Problem]:
    vpns: dict[str, set[str]] = {}
    for key in keys:
        if key.zone not in spec.zones or key.zone == INFRASTRUCTURE:
            vpns.setdefault(key.zone, set()).add(key.vpn)
    return [
        _in_plan(
            ("zones", zone) if zone == INFRASTRUCTURE else ("zones",),
            f"zone '{zone}' holds the design's pools, not VPN {', '.join(sorted(names))}"
            if zone == INFRASTRUCTURE
            else f"no value for zone '{zone}', which holds VPN {', '.join(sorted(names))} "
            f"(expected a value for every zone in use)",
        )
        for zone, names in sorted(vpns.items())
    ]


def _entry_problem(
    level: PlanLevel, parent: str, parent_prefix: Prefix, prefix: Prefix, used: Mapping[int, str]
) -> str | None:
    length = parent_prefix.length + level.bits
    if prefix.length != length:
        return (
            f"{prefix} should be a /{length} (a {level.name} prefix: "
            f"/{parent_prefix.length} + {level.bits} bits)"
        )
    slot = slot_of(parent_prefix, prefix)
    if slot == 0:
        return (
            f"{prefix} is slot 0 of {parent} {parent_prefix}, reserved because it names the "
            f"parent (remove the entry to renumber it)"
        )
    if slot in used:
        return f"{prefix} is also allocated to '{used[slot]}'"
    return None


def _outside_problems(
    parent: str, parent_prefix: Prefix, outside: Sequence[tuple[str, Prefix]]
) -> list[Problem]:
    if len(outside) <= MAX_OUTSIDE_LISTED:
        return [
            _in_lock(
                path,
                f"{prefix} is outside its parent {parent} {parent_prefix} "
                f"(restore it, or remove the entry to renumber it)",
            )
            for path, prefix in outside
        ]
    path, prefix = outside[0]
    is_zone = "/" not in parent
    where: tuple[str, Loc] = (
        (PLAN_FILE, ("zones", parent)) if is_zone else (PLAN_LOCK_FILE, (parent,))
    )
    cause = f"the prefix or the value of zone {parent}" if is_zone else f"the entry of {parent}"
    return [
        Problem(
            *where,
            f"{len(outside)} locked allocations lie outside {parent} {parent_prefix} (first: "
            f"{path} {prefix}); if {cause} was meant to change, remove them from "
            f"{PLAN_LOCK_FILE} to renumber them",
        )
    ]


@dataclass(frozen=True)
class _Children:
    """What one parent hands out: its children's prefixes, which of them are new (no usable
    lock entry: their own locked children are renumbered with them), and the problems."""

    prefixes: dict[str, Prefix]
    new: frozenset[str]
    problems: list[Problem]


def _allocate_children(
    level: PlanLevel,
    parent: str,
    parent_prefix: Prefix,
    wanted: set[str],
    locked: Mapping[str, Prefix],
    parent_is_new: bool,
) -> _Children:
    """The children of one parent: locked entries stay, new ones take the lowest free slots.
    A child whose entry is wrong gets no prefix (so its subtree reports nothing more)."""
    result: dict[str, Prefix] = {}
    used: dict[int, str] = {}
    problems: list[Problem] = []
    rejected: set[str] = set()
    outside: list[tuple[str, Prefix]] = []
    for path, prefix in locked.items():
        if path not in wanted:
            continue
        if not contains(parent_prefix, prefix):
            if not parent_is_new:  # else: renumbered with its parent
                outside.append((path, prefix))
                rejected.add(path)
            continue
        problem = _entry_problem(level, parent, parent_prefix, prefix, used)
        if problem is not None:
            problems.append(_in_lock(path, problem))
            rejected.add(path)
            continue
        used[slot_of(parent_prefix, prefix)] = path
        result[path] = prefix
    if outside:
        problems += _outside_problems(parent, parent_prefix, outside)
    fresh = sorted(wanted - result.keys() - rejected)
    if len(wanted) > level.available:
        growth: Loc = ("levels", level.index, "growth")
        problems.append(_in_plan(growth, level.exhausted(_describe_parent(parent), len(wanted))))
        return _Children(result, frozenset(), problems)
    slot = 1
    for path in fresh:
        while slot in used:
            slot += 1
        used[slot] = path
        result[path] = child_prefix(parent_prefix, level.bits, slot)
    return _Children(result, frozenset(fresh), problems)


def allocate_plan(
    spec: PlanSpec, keys: Iterable[PlanKey], locked: Mapping[str, Prefix]
) -> tuple[dict[str, Prefix], list[Problem]]:
    """Every district, site and unit the keys need -> its prefix, sticky to ``locked``
    (path -> prefix, in lock-file order). Pure: problems are returned, not logged."""
    keys = list(keys)
    problems = _missing_zone_problems(spec, keys)
    children = _wanted(keys, spec.zones)
    by_parent = _by_parent(locked)
    prefixes = {zone: spec.zone_prefix(zone) for zone in spec.zones}
    new: set[str] = set()
    allocations: dict[str, Prefix] = {}
    for level in spec.levels[DISTRICT:SUBNET]:
        parents = sorted(p for p in children if p.count("/") == level.index - 1)
        for parent in parents:
            parent_prefix = prefixes.get(parent)
            if parent_prefix is None:
                continue
            got = _allocate_children(
                level,
                parent,
                parent_prefix,
                children[parent],
                by_parent.get(parent, {}),
                parent in new,
            )
            prefixes.update(got.prefixes)
            allocations.update(got.prefixes)
            new.update(got.new)
            problems += got.problems
    return allocations, problems


# --- the lock file ------------------------------------------------------------------------------


def read_plan_lock(doc: YamlDocument | None, log: ProblemLog) -> dict[str, Prefix]:
    """The lock's entries, path -> prefix, in file order; broken entries are reported."""
    if doc is None or doc.data is None:
        return {}
    if not isinstance(doc.data, dict):
        log.error(doc.name, (), "expected a mapping of plan paths to prefixes")
        return {}
    entries: dict[str, Prefix] = {}
    for key, value in doc.data.items():
        path = str(key)
        parts = path.split("/")
        if not DISTRICT < len(parts) <= UNIT + 1 or "" in parts:
            log.error(
                doc.name,
                (path,),
                "expected a path zone/district, zone/district/site or zone/district/site/vpn",
            )
            continue
        try:
            entries[path] = Prefix.parse(str(value))
        except ValueError as error:
            log.error(doc.name, (path,), str(error))
    return entries


def plan_lock_text(allocations: Mapping[str, Prefix]) -> str:
    """The lock as YAML, written directly: every key and value double-quoted, entries in
    address order (so the file reads like the address plan)."""
    items = sorted(allocations.items(), key=lambda kv: (kv[1].address, kv[1].length))
    if not items:
        return PLAN_LOCK_HEADER + "{}\n"
    return PLAN_LOCK_HEADER + "".join(f'"{path}": "{prefix}"\n' for path, prefix in items)


# --- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanNode:
    """One prefix of the plan; ``used`` and ``available`` count its child slots (available is
    what the growth reserve leaves). Pools count their allocations; subnets count nothing."""

    name: str
    prefix: str
    level: str
    used: int | None
    available: int | None
    children: tuple[PlanNode, ...] = ()

    @property
    def utilisation(self) -> float | None:
        if self.used is None or not self.available:
            return None
        return self.used / self.available

    def find(self, *names: str) -> PlanNode:
        """The descendant reached by child names, e.g. ``find("private", "binhai", "humen")``."""
        node = self
        for name in names:
            node = next(c for c in node.children if c.name == name)
        return node

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "prefix": self.prefix,
            "level": self.level,
            "used": self.used,
            "available": self.available,
            "utilisation": self.utilisation,
            "children": [c.as_dict() for c in self.children],
        }


@dataclass(frozen=True)
class LevelUse:
    """How full one level is over all its parents."""

    level: str
    bits: int
    growth: float
    slots: int
    available: int
    parents: int
    used: int
    fullest: str
    fullest_used: int

    @property
    def capacity(self) -> int:
        return self.parents * self.available

    @property
    def utilisation(self) -> float:
        return self.used / self.capacity if self.capacity else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "bits": self.bits,
            "growth": self.growth,
            "slots_per_parent": self.slots,
            "available_per_parent": self.available,
            "parents": self.parents,
            "used": self.used,
            "capacity": self.capacity,
            "utilisation": self.utilisation,
            "fullest": self.fullest,
            "fullest_used": self.fullest_used,
        }


@dataclass(frozen=True)
class AddressPlan:
    """The allocated plan: every district, site and unit of the design's VPNs."""

    name: str
    spec: PlanSpec
    allocations: dict[str, Prefix]
    infrastructure: dict[str, Pool]
    srv6: Pool
    lock_changed: bool

    @property
    def prefix(self) -> Prefix:
        return self.spec.prefix

    @property
    def levels(self) -> tuple[PlanLevel, ...]:
        return self.spec.levels

    @property
    def subnets_per_unit(self) -> int:
        return self.spec.subnets_per_unit

    @cached_property
    def zones(self) -> dict[str, Prefix]:
        zones = {zone: self.spec.zone_prefix(zone) for zone in self.spec.zones}
        return dict(sorted(zones.items(), key=lambda kv: kv[1].address))

    @cached_property
    def units(self) -> dict[tuple[str, str], str]:
        """(site, vpn) -> the unit's path."""
        result: dict[tuple[str, str], str] = {}
        for path in self.allocations:
            parts = path.split("/")
            if len(parts) == UNIT + 1:
                result[(parts[SITE], parts[UNIT])] = path
        return result

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        """Parent path -> child paths, in address order."""
        result: dict[str, list[str]] = {}
        for path in sorted(self.allocations, key=lambda p: self.allocations[p].address):
            result.setdefault(path.rpartition("/")[0], []).append(path)
        return result

    # --- what the config builder asks -----------------------------------------------------------

    def subnet_prefix(self, site: str, vpn: str, index: int = 0) -> Prefix | None:
        if not 0 <= index < self.subnets_per_unit:
            raise IndexError(f"subnet {index} (expected 0..{self.subnets_per_unit - 1})")
        path = self.units.get((site, vpn))
        if path is None:
            return None
        return child_prefix(self.allocations[path], self.levels[SUBNET].bits, index + 1)

    def subnet(self, site: str, vpn: str, index: int = 0) -> str | None:
        """The /64 of subnet ``index`` of the VPN at the site; None if the plan has no such unit."""
        prefix = self.subnet_prefix(site, vpn, index)
        return str(prefix) if prefix is not None else None

    def gateway(self, site: str, vpn: str) -> str | None:
        """The first host address of subnet 0, with its length (``2001:db8:…::1/64``)."""
        prefix = self.subnet_prefix(site, vpn)
        return f"{prefix.address_text(1)}/{prefix.length}" if prefix is not None else None

    # --- the lock ------------------------------------------------------------------------------

    def lock_text(self) -> str:
        return plan_lock_text(self.allocations)

    def write_lock(self, root: Path) -> Path:
        return write_atomically(root / PLAN_LOCK_FILE, self.lock_text())

    # --- reports -------------------------------------------------------------------------------

    def tree(self, pool_usage: Mapping[str, int] | None = None) -> PlanNode:
        """City prefix -> zones -> districts -> sites -> units -> subnets, the infrastructure
        zone with its pools, and the SRv6 SID block as a last branch. ``pool_usage``
        (pool name -> allocations, see :func:`pool_usage`) fills in the pools' use."""
        usage = pool_usage or {}
        zones = [
            self._infrastructure_node(usage) if zone == INFRASTRUCTURE else self._node(zone, ZONE)
            for zone in self.zones
        ]
        srv6 = PlanNode(
            SRV6_POOL, str(self.srv6.prefix), "srv6", usage.get(SRV6_POOL), usable_slots(self.srv6)
        )
        return PlanNode(
            self.name,
            str(self.prefix),
            "city",
            len(self.zones),
            self.levels[ZONE].available,
            (*zones, srv6),
        )

    def _node(self, path: str, index: int) -> PlanNode:
        name = path.rpartition("/")[2]
        prefix = self.zones[path] if index == ZONE else self.allocations[path]
        if index == UNIT:
            return self._unit_node(name, prefix)
        kids = self._children.get(path, [])
        return PlanNode(
            name,
            str(prefix),
            LEVEL_NAMES[index],
            len(kids),
            self.levels[index + 1].available,
            tuple(self._node(kid, index + 1) for kid in kids),
        )

    def _unit_node(self, name: str, prefix: Prefix) -> PlanNode:
        subnet = self.levels[SUBNET]
        subnets = tuple(
            PlanNode(str(i), str(child_prefix(prefix, subnet.bits, i + 1)), "subnet", None, None)
            for i in range(self.subnets_per_unit)
        )
        return PlanNode(name, str(prefix), "unit", len(subnets), subnet.available, subnets)

    def _infrastructure_node(self, usage: Mapping[str, int]) -> PlanNode:
        zone = self.zones[INFRASTRUCTURE]
        pools = sorted(self.infrastructure.items(), key=lambda kv: pool_prefix(kv[1]).address)
        children = tuple(
            PlanNode(name, str(pool.prefix), "pool", usage.get(name), usable_slots(pool))
            for name, pool in pools
        )
        used = slots_covered(zone, self.levels[DISTRICT].bits, [pool_prefix(p) for _, p in pools])
        return PlanNode(
            INFRASTRUCTURE, str(zone), "zone", used, self.levels[DISTRICT].available, children
        )

    def level_use(self) -> list[LevelUse]:
        """Per level: how many child slots are used over all parents, and the fullest parent.
        The district level counts the user zones only (the infrastructure zone holds pools)."""
        user_zones = [z for z in self.zones if z != INFRASTRUCTURE]
        by_depth: dict[int, list[str]] = {ZONE: user_zones}
        for path in sorted(self.allocations):
            by_depth.setdefault(path.count("/"), []).append(path)
        result = [self._use(ZONE, {self.name: len(self.zones)})]
        for index in (DISTRICT, SITE, UNIT):
            parents = by_depth.get(index - 1, [])
            result.append(self._use(index, {p: len(self._children.get(p, [])) for p in parents}))
        units = by_depth.get(UNIT, [])
        result.append(self._use(SUBNET, dict.fromkeys(units, self.subnets_per_unit)))
        return result

    def _use(self, index: int, used: Mapping[str, int]) -> LevelUse:
        level = self.levels[index]
        fullest = max(used, key=lambda p: used[p], default="")
        return LevelUse(
            level.name,
            level.bits,
            level.growth,
            level.slots,
            level.available,
            len(used),
            sum(used.values()),
            fullest,
            used.get(fullest, 0),
        )

    def as_json(self, pool_usage: Mapping[str, int] | None = None) -> dict[str, Any]:
        usage = pool_usage or {}
        return {
            "prefix": str(self.prefix),
            "subnets_per_unit": self.subnets_per_unit,
            "levels": [use.as_dict() for use in self.level_use()],
            "zones": {zone: str(prefix) for zone, prefix in self.zones.items()},
            "infrastructure": {
                name: {
                    "prefix": str(pool.prefix),
                    "length": pool.length,
                    "used": usage.get(name),
                    "available": usable_slots(pool),
                }
                for name, pool in self.infrastructure.items()
            },
            "srv6": {
                "block": str(self.srv6.prefix),
                "locator_length": self.srv6.length,
                "used": usage.get(SRV6_POOL),
                "available": usable_slots(self.srv6),
            },
            "lock_changed": self.lock_changed,
            "tree": self.tree(usage).as_dict(),
        }


def slots_covered(parent: Prefix, bits: int, prefixes: Iterable[Prefix]) -> int:
    """How many child slots of ``parent`` (``bits`` long) the prefixes inside it touch."""
    length = parent.length + bits
    spans: list[tuple[int, int]] = []
    for prefix in prefixes:
        if not contains(parent, prefix):
            continue
        start = (prefix.address - parent.address) >> (parent.bits - length)
        spans.append((start, start + (1 << max(0, length - prefix.length))))
    count, reached = 0, 0
    for start, end in sorted(spans):
        start = max(start, reached)
        if end > start:
            count += end - start
            reached = end
    return count


def pool_usage(allocations: Mapping[PoolKind, Mapping[str, Prefix]]) -> dict[str, int]:
    """Pool name -> allocations, from the foundation's ``Addressing.allocations``."""
    return {kind.value: len(entries) for kind, entries in allocations.items()}


# --- reading the files --------------------------------------------------------------------------


def _read_doc(root: Path, name: str, log: ProblemLog) -> YamlDocument | None:
    path = root / name
    if not path.is_file():
        return None
    try:
        return read_yaml(path, name)
    except YamlSyntaxError as error:
        log.extend([error.problem])
    except UnicodeDecodeError as error:
        log.error(name, (), f"not UTF-8 text: {error}")
    return None


def read_plan(
    root: Path, design_network: Network, keys: Sequence[PlanKey], log: ProblemLog
) -> tuple[AddressPlan | None, dict[str, YamlDocument]]:
    """Read ipv6/plan.yaml and its lock and allocate every key. No plan.yaml: (None, {}) and no
    problem (a design without an IPv6 plan). Any error: None, every problem in the log (without
    lines: locate them with the returned documents)."""
    docs: dict[str, YamlDocument] = {}
    plan_doc = _read_doc(root, PLAN_FILE, log)
    if plan_doc is None:
        return None, docs
    docs[PLAN_FILE] = plan_doc
    errors = len(log.errors)
    pools = design_network.pools
    spec = parse_plan(plan_doc, pools, log)
    lock_doc = _read_doc(root, PLAN_LOCK_FILE, log)
    if lock_doc is not None:
        docs[PLAN_LOCK_FILE] = lock_doc
    locked = read_plan_lock(lock_doc, log)
    if spec is None:
        return None, docs
    allocations, problems = allocate_plan(spec, keys, locked)
    log.extend(problems)
    if len(log.errors) > errors:
        return None, docs
    found = ipv6_pools(pools)
    plan = AddressPlan(
        name=design_network.name,
        spec=spec,
        allocations=allocations,
        infrastructure={k: v for k, v in found.items() if k != SRV6_POOL},
        srv6=pools.srv6_locator,
        lock_changed=lock_doc is None or locked != allocations,
    )
    return plan, docs


# --- the command's output -----------------------------------------------------------------------


def _count(value: int) -> str:
    if value < 1 << 32:
        return f"{value:,}"
    power = value.bit_length()
    rest = (1 << power) - value
    if rest == 1 << (power - 1):
        return f"2^{power - 1}"
    return f"2^{power}-{rest}" if rest < 1 << 16 else f"{value:.3g}"


def _percent(value: float | None) -> str:
    if value is None:
        return "n/a"
    if 0 < value < 0.001:
        return "<0.1%"
    return f"{100 * value:.1f}%"


def _usage(node: PlanNode, noun: str) -> str:
    if node.used is None:
        return f"{noun}: {_count(node.available or 0)} available, use not given"
    return (
        f"{noun} {_count(node.used)}/{_count(node.available or 0)} ({_percent(node.utilisation)})"
    )


def _label(node: PlanNode, usage: str, name_style: str = "bold") -> Text:
    return Text.assemble((node.name, name_style), " ", (node.prefix, "cyan"), "  ", usage)


def _site_usage(site: PlanNode) -> str:
    units = len(site.children)
    subnets = sum(len(unit.children) for unit in site.children)
    return f"{units} unit{'s' if units != 1 else ''}, {subnets} /64s  {_usage(site, 'unit slots')}"


def plan_tree_table(plan: AddressPlan, pool_usage: Mapping[str, int] | None = None) -> Tree:
    """Zone -> district -> site with the use of every level; a site's units and /64s are
    summarised. Then the infrastructure pools and the SRv6 SID block."""
    root = plan.tree(pool_usage)
    tree = Tree(_label(root, _usage(root, "zone slots")))
    for zone in root.children:
        if zone.level == "srv6":
            usage = _usage(zone, f"/{plan.srv6.length} locators")
            tree.add(
                Text.assemble(("SRv6 SID block", "bold"), " ", (zone.prefix, "cyan"), "  ", usage)
            )
        elif zone.name == INFRASTRUCTURE:
            branch = tree.add(_label(zone, _usage(zone, "district slots")))
            for pool in zone.children:
                branch.add(_label(pool, _usage(pool, "allocations"), "magenta"))
        else:
            branch = tree.add(_label(zone, _usage(zone, "district slots")))
            for district in zone.children:
                sub = branch.add(_label(district, _usage(district, "site slots")))
                for site in district.children:
                    sub.add(_label(site, _site_usage(site), "default"))
    return tree


def plan_levels_table(plan: AddressPlan) -> Table:
    """One row per level: slots per parent, what growth leaves, use over all parents."""
    table = Table(title="IPv6 plan levels", title_justify="left", title_style="bold")
    for column in ("level", "bits", "slots", "growth", "usable", "parents", "used", "%", "fullest"):
        table.add_column(column, justify="left" if column in ("level", "fullest") else "right")
    for use in plan.level_use():
        table.add_row(
            use.level,
            str(use.bits),
            _count(use.slots),
            f"{use.growth * 100:g}%",
            _count(use.available),
            _count(use.parents),
            _count(use.used),
            _percent(use.utilisation),
            f"{use.fullest} ({use.fullest_used}/{use.available})" if use.fullest else "",
        )
    return table
