"""Synthetic province designs in the same format as the reference city, for scale work.

A province has two province WAN core routers and N cities. Each city repeats the reference
city's shape: a WAN core pair, a metro core pair (route reflectors), cloud-DC, DR-DC and Internet
egress pairs, aggregation nodes in a ring, first-level rings of towns closing on two different
aggregation nodes, access rings under every town (closing on the town and its ring neighbour) and
bureau CEs dual-homed to the aggregation layer. Each city is one district. Output depends only on
the spec (and its seed).
"""

from __future__ import annotations

import itertools
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govnet.design import (
    DEFAULTS_FILE,
    DEMANDS_FILE,
    DESIGN_FOLDERS,
    DUCTS_FILE,
    GROUPS_FILE,
    HOSTS_FILE,
    LINKS_FILE,
    NETWORK_FILE,
    RINGS_FILE,
    SERVICES_FILE,
    SITES_FILE,
    load_design,
    reference_design_path,
)
from govnet.topology.addressing import write_lock

CORE_PAIRS = (
    ("wan", "city_wan_core", "core"),
    ("mc", "metro_core", "core"),
    ("cloud", "cloud_dc_gw", "cloud_dc"),
    ("dr", "dr_dc_gw", "dr_dc"),
    ("inet", "internet_egress", "internet_egress"),
)
BUREAUS_PER_CITY = 4
DEPARTMENTS = (
    ("public-security", "E"),
    ("finance", "D"),
    ("human-resources", "D"),
    ("health", "D"),
    ("market-regulation", "D"),
    ("emergency-management", "D"),
)
PORTS = {
    "huawei_vrp": {100000: "100GE1/0/", 10000: "10GE2/0/", 1000: "GE3/0/"},
    "iosxr": {100000: "HundredGigE0/0/0/", 10000: "TenGigE0/0/1/", 1000: "GigabitEthernet0/0/2/"},
    "junos": {100000: "et-0/0/", 10000: "xe-0/1/", 1000: "ge-0/2/"},
}


@dataclass(frozen=True)
class ProvinceSpec:
    cities: int = 21
    rings_per_city: int = 7
    towns_per_ring: int = 5
    access_rings_per_town: int = 3
    access_ring_size: int = 9
    seed: int = 1

    @property
    def aggregation_per_city(self) -> int:
        return max(2, self.rings_per_city // 2 + 1)

    def devices_per_city(self) -> int:
        towns = self.rings_per_city * self.towns_per_ring
        access = towns * self.access_rings_per_town * self.access_ring_size
        return 2 * len(CORE_PAIRS) + self.aggregation_per_city + towns + access + BUREAUS_PER_CITY

    def device_count(self) -> int:
        return 2 + self.cities * self.devices_per_city()


class _Builder:
    """Accumulates hosts, sites, links, rings; allocates ports and management addresses."""

    def __init__(self, spec: ProvinceSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.hosts: dict[str, dict[str, Any]] = {}
        self.sites: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []
        self.rings: list[dict[str, Any]] = []
        self.ducts: list[str] = []
        self.demands: list[tuple[str, str, int]] = []
        self.ports: dict[tuple[str, int], int] = {}

    def site(self, name: str, kind: str) -> str:
        self.sites.append({"name": name, "kind": kind})
        return name

    def host(
        self,
        name: str,
        role: str,
        site: str,
        district: str,
        model: str,
        platform: str = "huawei_vrp",
    ) -> str:
        index = len(self.hosts) + 1
        mgmt = f"10.{128 + (index >> 16)}.{(index >> 8) & 255}.{index & 255}"
        self.hosts[name] = {
            "hostname": mgmt,
            "platform": platform,
            "role": role,
            "site": site,
            "district": district,
            "model": model,
        }
        return name

    def port(self, device: str, speed: int) -> str:
        key = (device, speed)
        number = self.ports.get(key, 0)
        self.ports[key] = number + 1
        platform = self.hosts[device]["platform"]
        prefix = PORTS[platform][speed]
        if platform == "huawei_vrp" and number >= 48:  # spill onto further line cards
            slot, number = divmod(number, 48)
            prefix = prefix.replace("/0/", f"/{slot}/", 1)
        return f"{prefix}{number}"

    def link(
        self,
        a: str,
        b: str,
        speed: int,
        length: float,
        ducts: tuple[str, ...] = (),
        link_id: str | None = None,
    ) -> None:
        self.links.append(
            {
                "id": link_id,
                "a": (a, self.port(a, speed)),
                "b": (b, self.port(b, speed)),
                "capacity_mbps": speed,
                "length_km": round(length, 1),
                "ducts": ducts,
            }
        )

    def duct(self, name: str) -> tuple[str, ...]:
        self.ducts.append(name)
        return (name,)


def _town_platform(rng: random.Random) -> tuple[str, str]:
    draw = rng.random()
    if draw < 0.08:
        return "iosxr", "ASR-9902"
    if draw < 0.15:
        return "junos", "MX304"
    return "huawei_vrp", "NE8000 M8"


def _build_city(b: _Builder, number: int, province_cores: list[str]) -> None:
    spec, rng = b.spec, b.rng
    city = f"c{number:02d}"
    core_sites = {
        "core-1": b.site(f"{city}-core-1", "core"),
        "core-2": b.site(f"{city}-core-2", "core"),
        "cloud_dc": b.site(f"{city}-cloud-dc", "cloud_dc"),
        "dr_dc": b.site(f"{city}-dr-dc", "dr_dc"),
        "internet_egress": b.site(f"{city}-inet", "internet_egress"),
    }
    pairs: dict[str, list[str]] = {}
    for short, role, kind in CORE_PAIRS:
        pairs[short] = []
        for i in (1, 2):
            site = core_sites[f"core-{i}"] if kind == "core" else core_sites[kind]
            pairs[short].append(b.host(f"{city}-{short}-0{i}", role, site, city, "NE8000 X8"))
    wan, mc = pairs["wan"], pairs["mc"]
    for w, p in zip(wan, province_cores, strict=True):
        b.link(w, p, 100000, rng.uniform(40, 160))
    b.link(wan[0], province_cores[1], 100000, rng.uniform(40, 160))
    b.link(wan[1], province_cores[0], 100000, rng.uniform(40, 160))
    b.link(wan[0], wan[1], 100000, rng.uniform(10, 30), b.duct(f"{city}-core-east"))
    for i, w in enumerate(wan):
        for j, m in enumerate(mc):
            ducts = (
                () if i == j else (f"{city}-core-east",) if i == 1 else b.duct(f"{city}-core-west")
            )
            b.link(w, m, 100000, 0.2 if i == j else rng.uniform(10, 30), ducts)
    b.link(mc[0], mc[1], 100000, rng.uniform(10, 30), (f"{city}-core-east",), f"{city}-mc-pair-1")
    b.link(mc[0], mc[1], 100000, rng.uniform(10, 30), (f"{city}-core-west",), f"{city}-mc-pair-2")
    for short in ("cloud", "dr", "inet"):
        gw = pairs[short]
        for g in gw:
            for m in mc:
                b.link(g, m, 100000, rng.uniform(1, 20))
        b.link(gw[0], gw[1], 100000, 0.2)
    aggs = []
    for i in range(spec.aggregation_per_city):
        site = b.site(f"{city}-agg-{i + 1}", "aggregation")
        agg = b.host(f"{city}-agg-{i + 1}", "aggregation", site, city, "NE8000 M14")
        aggs.append(agg)
        for j, m in enumerate(mc):
            b.link(agg, m, 100000, rng.uniform(3, 25), b.duct(f"{agg}-up-{j + 1}"))
    for r in range(spec.rings_per_city):
        ring = f"{city}-r{r + 1}"
        ends = (aggs[r % len(aggs)], aggs[(r + 1) % len(aggs)])
        towns = []
        for t in range(spec.towns_per_ring):
            site = b.site(f"{ring}-t{t + 1}", "town")
            platform, model = _town_platform(rng)
            towns.append(b.host(f"{ring}-t{t + 1}", "town", site, city, model, platform))
            b.demands += [
                (site, core_sites["cloud_dc"], rng.choice((600, 800, 1200))),
                (site, core_sites["dr_dc"], rng.choice((150, 200, 300))),
                (site, core_sites["internet_egress"], rng.choice((300, 400, 600))),
            ]
        members = [ends[0], *towns, ends[1]]
        for x, y in itertools.pairwise(members):
            b.link(x, y, 10000, rng.uniform(2, 15), b.duct(f"{x}--{y}"))
        b.rings.append({"name": ring, "level": 1, "members": members})
        for t, town in enumerate(towns):
            partner = towns[t + 1] if t + 1 < len(towns) else (towns[t - 1] if t else ends[1])
            site = b.hosts[town]["site"]
            for k in range(spec.access_rings_per_town):
                access_ring = f"{town}-a{k + 1}"
                nodes = [
                    b.host(f"{access_ring}-{n + 1}", "access", site, city, "ATN 910C")
                    for n in range(spec.access_ring_size)
                ]
                chain = [town, *nodes, partner]
                for x, y in itertools.pairwise(chain):
                    b.link(x, y, 10000, rng.uniform(0.5, 5))
                b.rings.append({"name": access_ring, "level": 2, "members": chain})
    for i in range(BUREAUS_PER_CITY):
        department = DEPARTMENTS[i % len(DEPARTMENTS)][0]
        site = b.site(f"{city}-bureau-{i + 1}", "bureau")
        b.sites[-1]["department"] = department
        ce = b.host(f"{city}-ce-{i + 1}", "bureau_ce", site, city, "AR6280")
        b.link(ce, aggs[0], 1000, rng.uniform(0.5, 5))
        b.link(ce, aggs[1], 1000, rng.uniform(0.5, 5))


def _flow(mapping: dict[str, Any]) -> str:
    parts = []
    for key, value in mapping.items():
        if value is None or value == ():
            continue
        if isinstance(value, list | tuple):
            value = "[" + ", ".join(str(v) for v in value) + "]"
        parts.append(f"{key}: {value}")
    return "{" + ", ".join(parts) + "}"


def _write(b: _Builder, spec: ProvinceSpec, out: Path, template: Path | None) -> None:
    for folder in DESIGN_FOLDERS:
        (out / folder).mkdir(parents=True, exist_ok=True)
    hosts = ["# Generated by `govnet generate province`; a synthetic design for scale work.\n"]
    for name, h in b.hosts.items():
        hosts.append(
            f"{name}:\n  hostname: {h['hostname']}\n  platform: {h['platform']}\n  groups: [{h['platform']}]\n"
            f"  data: {{role: {h['role']}, site: {h['site']}, district: {h['district']}, model: {h['model']}}}\n"
        )
    (out / HOSTS_FILE).write_text("".join(hosts), encoding="utf-8")
    for name in (GROUPS_FILE, DEFAULTS_FILE):
        source = template / name if template else None
        if source and source.is_file():
            shutil.copyfile(source, out / name)
        else:
            (out / name).write_text("{}\n", encoding="utf-8")
    (out / NETWORK_FILE).write_text(
        "name: province\nname_zh: 省电子政务外网 (synthetic)\nasn: 65000\ntransport: dual\n"
        "management:\n  - 10.128.0.0/9\n"
        "pools:\n"
        "  loopback_ipv4: {prefix: 10.0.0.0/16, length: 32}\n"
        "  link_ipv4: {prefix: 10.16.0.0/12, length: 31}\n"
        '  loopback_ipv6: {prefix: "2001:db8:ff::/64", length: 128}\n'
        '  link_ipv6: {prefix: "2001:db8:fe00::/40", length: 127}\n'
        '  srv6_locator: {prefix: "5f00:0:1::/48", length: 64}\n',
        encoding="utf-8",
    )
    districts = [f"  - {{name: c{n:02d}}}\n" for n in range(1, spec.cities + 1)]
    sites = [f"  - {_flow(s)}\n" for s in b.sites]
    (out / SITES_FILE).write_text(
        "districts:\n" + "".join(districts) + "sites:\n" + "".join(sites), encoding="utf-8"
    )
    rings = [f"  - {_flow(r)}\n" for r in b.rings]
    (out / RINGS_FILE).write_text("rings:\n" + "".join(rings), encoding="utf-8")
    links = []
    for link in b.links:
        body = {
            "id": link["id"],
            "a": f"{{device: {link['a'][0]}, interface: {link['a'][1]}}}",
            "b": f"{{device: {link['b'][0]}, interface: {link['b'][1]}}}",
            "capacity_mbps": link["capacity_mbps"],
            "length_km": link["length_km"],
            "ducts": link["ducts"],
        }
        links.append(f"  - {_flow(body)}\n")
    (out / LINKS_FILE).write_text("links:\n" + "".join(links), encoding="utf-8")
    ducts = [f"  - {{name: {d}}}\n" for d in b.ducts]
    (out / DUCTS_FILE).write_text("ducts:\n" + "".join(ducts), encoding="utf-8")
    departments = [f"  - {{name: {n}, attachment_class: {c}}}\n" for n, c in DEPARTMENTS]
    towns = [s["name"] for s in b.sites if s["kind"] == "town"]
    vpns = [
        "  - {name: PUBLIC, id: 100, zone: public, sites: all}\n",
        "  - {name: INTERNET, id: 200, zone: internet, sites: all}\n",
    ]
    for i, (department, _) in enumerate(DEPARTMENTS):
        chosen = sorted(b.rng.sample(towns, k=max(1, len(towns) // 3)))
        vpns.append(
            f"  - {{name: VPN-{department.upper()}, id: {301 + i}, zone: private, department: {department}, "
            f"sites: [{', '.join(chosen)}]}}\n"
        )
    (out / SERVICES_FILE).write_text(
        "departments:\n" + "".join(departments) + "vpns:\n" + "".join(vpns), encoding="utf-8"
    )
    demands = [f"  - {{source: {s}, target: {t}, mbps: {m}}}\n" for s, t, m in b.demands]
    (out / DEMANDS_FILE).write_text("demands:\n" + "".join(demands), encoding="utf-8")
    for folder in ("ipv6", "checks"):
        (out / folder / "README.md").write_text(
            f"# {folder}/ (empty in a generated design)\n", encoding="utf-8"
        )


def build_province(spec: ProvinceSpec) -> _Builder:
    b = _Builder(spec)
    province_site = b.site("province-core", "province")
    cores = [
        b.host(f"prov-wan-0{i}", "province_wan_core", province_site, "c01", "NE40E-X16A")
        for i in (1, 2)
    ]
    b.link(cores[0], cores[1], 100000, 0.2, link_id="prov-pair-1")
    b.link(cores[0], cores[1], 100000, 0.3, link_id="prov-pair-2")
    for number in range(1, spec.cities + 1):
        _build_city(b, number, cores)
    return b


def write_province(spec: ProvinceSpec, out: Path, template: Path | None = None) -> dict[str, int]:
    """Write the design and its address lock into ``out``; returns what was written. Inventory
    groups and defaults come from ``template`` (by default the reference design)."""
    b = build_province(spec)
    _write(b, spec, out, template if template is not None else reference_design_path())
    design = load_design(out)
    write_lock(out, design.addressing)
    return {
        "devices": len(b.hosts),
        "links": len(b.links),
        "rings": len(b.rings),
        "sites": len(b.sites),
    }
