"""Sticky address allocation: loopbacks, point-to-point links and SRv6 locators.

Like a package lock, ``topology/addresses.lock.yaml`` records every allocation. Keys still in the
design keep their prefix forever; new keys take the lowest free slot of their pool; keys gone from
the design free their slot. A fresh design (no lock) allocates in sorted key order, so the result
depends only on the design.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any

from govnet.diagnostics import ProblemLog
from govnet.topology.models import IPNetwork, Pool, Pools
from govnet.yamlio import YamlDocument, dump_yaml

LOCK_FILE = "topology/addresses.lock.yaml"
LOCK_HEADER = (
    "# Address allocations of this design, written by `govnet lock`. Commit this file:\n"
    "# an entry is never renumbered while its device or link stays in the design.\n"
)


class PoolKind(StrEnum):
    LOOPBACK_IPV4 = "loopback_ipv4"
    LOOPBACK_IPV6 = "loopback_ipv6"
    LINK_IPV4 = "link_ipv4"
    LINK_IPV6 = "link_ipv6"
    SRV6_LOCATOR = "srv6_locator"


def pool_of(pools: Pools, kind: PoolKind) -> Pool:
    pool: Pool = getattr(pools, kind.value)
    return pool


@dataclass(frozen=True)
class LockEntries:
    """What the lock file holds, per pool: key -> prefix."""

    entries: dict[PoolKind, dict[str, IPNetwork]] = field(default_factory=dict)

    def get(self, kind: PoolKind) -> dict[str, IPNetwork]:
        return self.entries.get(kind, {})


@dataclass(frozen=True)
class LockDiff:
    added: dict[PoolKind, list[str]]
    removed: dict[PoolKind, list[str]]

    @property
    def changed(self) -> bool:
        return any(self.added.values()) or any(self.removed.values())

    def summary(self) -> str:
        parts = [f"+{len(v)} {k.value}" for k, v in self.added.items() if v]
        parts += [f"-{len(v)} {k.value}" for k, v in self.removed.items() if v]
        return ", ".join(parts) if parts else "up to date"


@dataclass(frozen=True)
class Addressing:
    """Every allocation of the design, pool by pool: key -> prefix."""

    allocations: dict[PoolKind, dict[str, IPNetwork]]

    def get(self, kind: PoolKind, key: str) -> IPNetwork | None:
        return self.allocations.get(kind, {}).get(key)

    def loopback_ipv4(self, device: str) -> IPv4Network | None:
        net = self.get(PoolKind.LOOPBACK_IPV4, device)
        return net if isinstance(net, IPv4Network) else None

    def loopback_ipv6(self, device: str) -> IPv6Network | None:
        net = self.get(PoolKind.LOOPBACK_IPV6, device)
        return net if isinstance(net, IPv6Network) else None

    def srv6_locator(self, device: str) -> IPv6Network | None:
        net = self.get(PoolKind.SRV6_LOCATOR, device)
        return net if isinstance(net, IPv6Network) else None

    def link_addresses(self, kind: PoolKind, key: str, a: str, b: str) -> dict[str, str]:
        """Interface addresses of both ends; the device whose name sorts first gets the
        lower address, so swapping a and b in links.yaml changes nothing."""
        net = self.get(kind, key)
        if net is None:
            return {}
        low, high = sorted((a, b))
        base = int(net.network_address)
        cls = type(net.network_address)
        return {
            low: f"{cls(base)}/{net.prefixlen}",
            high: f"{cls(base + 1)}/{net.prefixlen}",
        }


def _slot(pool: Pool, net: IPNetwork) -> int:
    shift = pool.prefix.max_prefixlen - pool.length
    return (int(net.network_address) - int(pool.prefix.network_address)) >> shift


def _slot_network(pool: Pool, slot: int) -> IPNetwork:
    shift = pool.prefix.max_prefixlen - pool.length
    address = int(pool.prefix.network_address) + (slot << shift)
    if isinstance(pool.prefix, IPv4Network):
        return IPv4Network((address, pool.length))
    return IPv6Network((address, pool.length))


def reserved(pool: Pool, slot: int) -> bool:
    """The first prefix of a pool names the pool and is never handed out. In IPv6 pools of
    prefixes longer than /64, no prefix may start at an all-zero interface identifier
    (the subnet-router anycast address; RFC 6164 section 5.1)."""
    if slot == 0:
        return True
    if isinstance(pool.prefix, IPv6Network) and pool.length > 64:
        address = int(pool.prefix.network_address) + (slot << (128 - pool.length))
        return address & ((1 << 64) - 1) == 0
    return False


def usable_slots(pool: Pool) -> int:
    if isinstance(pool.prefix, IPv6Network) and pool.length > 64:
        per_64 = 1 << (pool.length - 64)
        sixty_fours = max(1, pool.size // per_64)
        return pool.size - sixty_fours
    return pool.size - 1


def allocate(
    pools: Pools,
    needed: Mapping[PoolKind, list[str]],
    lock: LockEntries,
    log: ProblemLog,
    network_file: str,
) -> tuple[Addressing, LockDiff]:
    allocations: dict[PoolKind, dict[str, IPNetwork]] = {}
    added: dict[PoolKind, list[str]] = {}
    removed: dict[PoolKind, list[str]] = {}
    for kind in PoolKind:
        pool = pool_of(pools, kind)
        keys = needed.get(kind, [])
        wanted = set(keys)
        locked = lock.get(kind)
        result: dict[str, IPNetwork] = {}
        used: dict[int, str] = {}
        for key, net in locked.items():
            if key not in wanted:
                continue
            problem = _lock_entry_problem(pool, net, used)
            if problem:
                log.error(LOCK_FILE, (kind.value, key), problem)
                continue
            used[_slot(pool, net)] = key
            result[key] = net
        fresh = [k for k in sorted(keys) if k not in result]
        capacity = usable_slots(pool)
        if len(result) + len(fresh) > capacity:
            log.error(
                network_file,
                ("pools", kind.value, "prefix"),
                f"pool exhausted: {pool.prefix} holds {capacity} /{pool.length} allocations, "
                f"the design needs {len(result) + len(fresh)}",
            )
            fresh = []
        slot = 0
        for key in fresh:
            while slot in used or reserved(pool, slot):
                slot += 1
            used[slot] = key
            result[key] = _slot_network(pool, slot)
        allocations[kind] = result
        added[kind] = fresh
        removed[kind] = sorted(k for k in locked if k not in wanted)
    return Addressing(allocations), LockDiff(added, removed)


def _lock_entry_problem(pool: Pool, net: IPNetwork, used: dict[int, str]) -> str | None:
    if net.version != pool.prefix.version or not net.subnet_of(pool.prefix):  # type: ignore[arg-type]
        return f"{net} is outside its pool {pool.prefix} (remove the entry to renumber it)"
    if net.prefixlen != pool.length:
        return f"{net} should be a /{pool.length} (the pool's allocation length)"
    slot = _slot(pool, net)
    if reserved(pool, slot):
        return f"{net} is a reserved prefix of the pool (remove the entry to renumber it)"
    if slot in used:
        return f"{net} is also allocated to '{used[slot]}'"
    return None


def read_lock(doc: YamlDocument | None, log: ProblemLog) -> LockEntries:
    if doc is None or doc.data is None:
        return LockEntries()
    if not isinstance(doc.data, dict):
        log.error(doc.name, (), "expected a mapping of pool names to allocations")
        return LockEntries()
    entries: dict[PoolKind, dict[str, IPNetwork]] = {}
    for kind_name, section in doc.data.items():
        try:
            kind = PoolKind(kind_name)
        except ValueError:
            expected = ", ".join(k.value for k in PoolKind)
            log.error(doc.name, (kind_name,), f"unknown pool (expected one of: {expected})")
            continue
        if not isinstance(section, dict):
            log.error(doc.name, (kind_name,), "expected a mapping of keys to prefixes")
            continue
        parsed: dict[str, IPNetwork] = {}
        for key, value in section.items():
            try:
                parsed[str(key)] = ip_network(str(value))
            except ValueError as error:
                log.error(doc.name, (kind_name, key), f"not a prefix: {error}")
        entries[kind] = parsed
    return LockEntries(entries)


def lock_text(addressing: Addressing) -> str:
    data: dict[str, Any] = {}
    for kind in PoolKind:
        items = sorted(addressing.allocations.get(kind, {}).items(), key=lambda kv: kv[1])
        data[kind.value] = {key: str(net) for key, net in items}
    return dump_yaml(data, LOCK_HEADER)


def write_lock(root: Path, addressing: Addressing) -> Path:
    """Write the lock atomically: a crash never leaves half a lock file."""
    path = root / LOCK_FILE
    text = lock_text(addressing)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".addresses.lock.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
