"""Sticky address allocation: loopbacks, point-to-point links and SRv6 locators.

Like a package lock, ``topology/addresses.lock.yaml`` records every allocation. Keys still in the
design keep their prefix forever; new keys take the lowest free slot of their pool; keys gone from
the design free their slot. A fresh design (no lock) allocates in sorted key order, so the result
depends only on the design.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path

from govnet.diagnostics import ProblemLog
from govnet.topology.models import IPNetwork, Pool, Pools
from govnet.yamlio import YamlDocument, write_atomically

LOCK_FILE = "topology/addresses.lock.yaml"
LOCK_HEADER = (
    "# Address allocations of this design, written by `govnet lock`. Commit this file:\n"
    "# an entry is never renumbered while its device or link stays in the design.\n"
)


# More locked entries than this outside their pool means the pool itself changed: say so once.
MAX_OUTSIDE_LISTED = 3


class PoolKind(StrEnum):
    LOOPBACK_IPV4 = "loopback_ipv4"
    LOOPBACK_IPV6 = "loopback_ipv6"
    LINK_IPV4 = "link_ipv4"
    LINK_IPV6 = "link_ipv6"
    SRV6_LOCATOR = "srv6_locator"
    USER_IPV4 = "user_ipv4"


def pool_of(pools: Pools, kind: PoolKind) -> Pool | None:
    pool: Pool | None = getattr(pools, kind.value)
    return pool


@dataclass(frozen=True)
class Prefix:
    """An allocated prefix as integers: cheap to compare, hash and store by the hundred thousand."""

    version: int
    address: int
    length: int

    @classmethod
    def parse(cls, text: str) -> Prefix:
        address, _, length = text.partition("/")
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        try:
            packed = socket.inet_pton(family, address.strip())
        except OSError:
            raise ValueError(f"'{text}' is not an IP prefix") from None
        version = 6 if family == socket.AF_INET6 else 4
        bits = 128 if version == 6 else 32
        if not length.strip().isdigit() or not 0 <= int(length) <= bits:
            raise ValueError(f"'{text}' has no valid prefix length (expected /0../{bits})")
        value = int.from_bytes(packed, "big")
        if value & ((1 << (bits - int(length))) - 1):
            raise ValueError(f"'{text}' has host bits set")
        return cls(version, value, int(length))

    @property
    def bits(self) -> int:
        return 128 if self.version == 6 else 32

    def address_text(self, offset: int = 0) -> str:
        family = socket.AF_INET6 if self.version == 6 else socket.AF_INET
        return socket.inet_ntop(family, (self.address + offset).to_bytes(self.bits // 8, "big"))

    def __str__(self) -> str:
        return f"{self.address_text()}/{self.length}"

    def network(self) -> IPNetwork:
        if self.version == 4:
            return IPv4Network((self.address, self.length))
        return IPv6Network((self.address, self.length))


@dataclass(frozen=True)
class LockEntries:
    """What the lock file holds, per pool: key -> prefix."""

    entries: dict[PoolKind, dict[str, Prefix]] = field(default_factory=dict)

    def get(self, kind: PoolKind) -> dict[str, Prefix]:
        return self.entries.get(kind, {})

    def without(self, kinds: frozenset[PoolKind]) -> LockEntries:
        return LockEntries({k: v for k, v in self.entries.items() if k not in kinds})


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

    allocations: dict[PoolKind, dict[str, Prefix]]

    def get(self, kind: PoolKind, key: str) -> Prefix | None:
        return self.allocations.get(kind, {}).get(key)

    def network(self, kind: PoolKind, key: str) -> IPNetwork | None:
        prefix = self.get(kind, key)
        return prefix.network() if prefix is not None else None

    def text(self, kind: PoolKind, key: str) -> str | None:
        prefix = self.get(kind, key)
        return str(prefix) if prefix is not None else None

    def link_addresses(self, kind: PoolKind, key: str, a: str, b: str) -> dict[str, str]:
        """Interface addresses of both ends; the device whose name sorts first gets the
        lower address, so swapping a and b in links.yaml changes nothing."""
        prefix = self.get(kind, key)
        if prefix is None:
            return {}
        low, high = sorted((a, b))
        return {
            low: f"{prefix.address_text()}/{prefix.length}",
            high: f"{prefix.address_text(1)}/{prefix.length}",
        }


def _slot(pool: Pool, prefix: Prefix) -> int:
    shift = pool.prefix.max_prefixlen - pool.length
    return (prefix.address - int(pool.prefix.network_address)) >> shift


def _slot_prefix(pool: Pool, slot: int) -> Prefix:
    shift = pool.prefix.max_prefixlen - pool.length
    return Prefix(
        pool.prefix.version, int(pool.prefix.network_address) + (slot << shift), pool.length
    )


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
    allocations: dict[PoolKind, dict[str, Prefix]] = {}
    added: dict[PoolKind, list[str]] = {}
    removed: dict[PoolKind, list[str]] = {}
    for kind in PoolKind:
        pool = pool_of(pools, kind)
        keys = needed.get(kind, [])
        if pool is None:
            if keys:
                log.error(
                    network_file,
                    ("pools",),
                    f"{len(keys)} {kind.value} allocation(s) needed (e.g. {keys[0]}) but pools.{kind.value} is not declared",
                )
            allocations[kind], added[kind], removed[kind] = {}, [], sorted(lock.get(kind))
            continue
        wanted = set(keys)
        locked = lock.get(kind)
        result: dict[str, Prefix] = {}
        used: dict[int, str] = {}
        outside: list[tuple[str, Prefix]] = []
        for key, prefix in locked.items():
            if key not in wanted:
                continue
            if not _inside(pool, prefix):
                outside.append((key, prefix))
                continue
            problem = _lock_entry_problem(pool, prefix, used)
            if problem:
                log.error(LOCK_FILE, (kind.value, key), problem)
                continue
            used[_slot(pool, prefix)] = key
            result[key] = prefix
        if 0 < len(outside) <= MAX_OUTSIDE_LISTED:
            for key, prefix in outside:
                log.error(
                    LOCK_FILE,
                    (kind.value, key),
                    f"{prefix} is outside its pool {pool.prefix} (restore it, or renumber "
                    f"with `govnet lock --renumber {kind.value}`)",
                )
        elif outside:
            key, prefix = outside[0]
            log.error(
                network_file,
                ("pools", kind.value, "prefix"),
                f"{len(outside)} locked allocation(s) lie outside {pool.prefix} "
                f"(first: {key} {prefix}); if the pool was meant to change, renumber them "
                f"with `govnet lock --renumber {kind.value}`",
            )
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
            result[key] = _slot_prefix(pool, slot)
        allocations[kind] = result
        added[kind] = fresh
        removed[kind] = sorted(k for k in locked if k not in wanted)
    return Addressing(allocations), LockDiff(added, removed)


def _inside(pool: Pool, prefix: Prefix) -> bool:
    base = pool.prefix
    shift = prefix.bits - base.prefixlen
    return (
        prefix.version == base.version
        and prefix.length >= base.prefixlen
        and prefix.address >> shift == int(base.network_address) >> shift
    )


def _lock_entry_problem(pool: Pool, prefix: Prefix, used: dict[int, str]) -> str | None:
    if prefix.length != pool.length:
        return f"{prefix} should be a /{pool.length} (the pool's allocation length)"
    slot = _slot(pool, prefix)
    if reserved(pool, slot):
        return f"{prefix} is a reserved prefix of the pool (remove the entry to renumber it)"
    if slot in used:
        return f"{prefix} is also allocated to '{used[slot]}'"
    return None


def read_lock(doc: YamlDocument | None, log: ProblemLog) -> LockEntries:
    if doc is None or doc.data is None:
        return LockEntries()
    if not isinstance(doc.data, dict):
        log.error(doc.name, (), "expected a mapping of pool names to allocations")
        return LockEntries()
    entries: dict[PoolKind, dict[str, Prefix]] = {}
    for kind_name, section in doc.data.items():
        try:
            kind = PoolKind(kind_name)
        except ValueError:
            expected = ", ".join(k.value for k in PoolKind)
            log.error(doc.name, (kind_name,), f"unknown pool (expected one of: {expected})")
            continue
        if section is None:
            continue
        if not isinstance(section, dict):
            log.error(doc.name, (kind_name,), "expected a mapping of keys to prefixes")
            continue
        parsed: dict[str, Prefix] = {}
        for key, value in section.items():
            try:
                parsed[str(key)] = Prefix.parse(str(value))
            except ValueError as error:
                log.error(doc.name, (kind_name, key), str(error))
        entries[kind] = parsed
    return LockEntries(entries)


def lock_text(addressing: Addressing) -> str:
    """The lock as YAML, written directly: every key and value double-quoted, entries in
    address order (so the file reads like an address plan)."""
    lines = [LOCK_HEADER]
    for kind in PoolKind:
        items = sorted(addressing.allocations.get(kind, {}).items(), key=lambda kv: kv[1].address)
        if not items:
            continue
        lines.append(f"{kind.value}:\n")
        lines.extend(f'  "{key}": "{prefix}"\n' for key, prefix in items)
    return "".join(lines)


def write_lock(root: Path, addressing: Addressing) -> Path:
    """Write the lock atomically: a crash never leaves half a lock file."""
    return write_atomically(root / LOCK_FILE, lock_text(addressing))
