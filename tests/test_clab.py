"""The containerlab export: nodes and kinds by platform, every link once with interface names
that the rendered configs use, paths that exist after rendering, YAML that loads back, scope,
determinism."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from ruamel.yaml import YAML

from govnet.design import Design, load_design
from govnet.labs.clab import (
    DAEMONS_FILE,
    FRR_IMAGE,
    PLACEHOLDER_IMAGES,
    SUPPORT_FILES,
    clab_topology,
    endpoint_names,
    write_clab,
)
from govnet.templates.build import IntentBuilder
from govnet.templates.render import RenderedConfig, render_design, write_configs
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE

MINI = Path(__file__).parent / "designs" / "mini"
EXPECTED_KIND = {
    "huawei_vrp": "huawei_vrp",
    "iosxr": "cisco_xrd",
    "junos": "juniper_crpd",
    "frr": "linux",
}
Loaded = tuple[Design, nx.MultiGraph, list[RenderedConfig]]


@pytest.fixture(scope="module", params=[REFERENCE, MINI], ids=["reference", "mini"])
def loaded(request: pytest.FixtureRequest) -> Loaded:
    design = load_design(request.param)
    graph = build_graph(design)
    return design, graph, render_design(design, graph, lab=True)


def config_text(configs: list[RenderedConfig], folder: str, host: str) -> str:
    return next(c.text for c in configs if c.hostname == host and c.path.parent.name == folder)


def lab_ports(text: str) -> dict[str, str]:
    """'<peer> <peer interface>' -> ethN, from the interface descriptions of an FRR lab config."""
    ports: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if match := re.fullmatch(r"interface (eth\d+)", line):
            current = match.group(1)
        elif current and (match := re.fullmatch(r" description to (\S+ \S+)(,.*)?", line)):
            ports[match.group(1)] = current
        elif line == "exit":
            current = None
    return ports


def endpoints(topology: dict[str, Any]) -> list[tuple[str, ...]]:
    return [tuple(link["endpoints"]) for link in topology["topology"]["links"]]


# --- nodes and kinds ----------------------------------------------------------------------------


def test_one_node_per_managed_device_with_its_platforms_kind(loaded: Loaded) -> None:
    design, graph, _ = loaded
    topology = clab_topology(design, graph, Path("configs"))
    nodes = topology["topology"]["nodes"]
    assert topology["name"] == f"govnet-{design.network.name}"
    assert sorted(nodes) == sorted(design.hosts)
    assert {h: n["kind"] for h, n in nodes.items()} == {
        h.name: EXPECTED_KIND[h.platform.value] for h in design.hosts.values()
    }
    kinds = topology["topology"]["kinds"]
    assert set(kinds) == {n["kind"] for n in nodes.values()}
    for kind, defaults in kinds.items():
        assert defaults["image"] == PLACEHOLDER_IMAGES.get(kind, FRR_IMAGE)


def test_frr_everywhere_is_linux_with_the_public_frr_image(loaded: Loaded) -> None:
    design, graph, _ = loaded
    topology = clab_topology(design, graph, Path("configs"), frr_everywhere=True)
    assert topology["topology"]["kinds"] == {"linux": {"image": "quay.io/frrouting/frr:8.4.4"}}
    for host, node in topology["topology"]["nodes"].items():
        assert node["kind"] == "linux"
        assert "startup-config" not in node
        assert f"configs/lab/{host}.conf:/etc/frr/frr.conf" in node["binds"]
        assert f"{DAEMONS_FILE}:/etc/frr/daemons" in node["binds"]


# --- links --------------------------------------------------------------------------------------


@pytest.mark.parametrize("frr", [False, True], ids=["vendor", "frr"])
def test_every_link_once_with_unique_interface_names(loaded: Loaded, frr: bool) -> None:
    design, graph, _ = loaded
    topology = clab_topology(design, graph, Path("configs"), frr_everywhere=frr)
    links = endpoints(topology)
    assert all(len(link) == 2 for link in links)
    pairs = Counter(frozenset(e.split(":")[0] for e in link) for link in links)
    assert pairs == Counter(frozenset((link.a.device, link.b.device)) for link in design.links)
    names = [e for link in links for e in link]
    assert len(names) == len(set(names)), "an interface of a node is used twice"


def test_frr_endpoints_are_the_interfaces_of_the_lab_configs(loaded: Loaded) -> None:
    design, graph, configs = loaded
    topology = clab_topology(design, graph, Path("configs"), frr_everywhere=True)
    expected = set()
    for link in design.links:
        ends = []
        for this, other in ((link.a, link.b), (link.b, link.a)):
            ports = lab_ports(config_text(configs, "lab", this.device))
            ends.append(f"{this.device}:{ports[f'{other.device} {other.interface}']}")
        expected.add(tuple(sorted(ends)))
    assert set(endpoints(topology)) == expected
    assert len(endpoints(topology)) == len(design.links)


def test_vendor_endpoints_name_the_interfaces_of_the_rendered_configs(loaded: Loaded) -> None:
    design, graph, configs = loaded
    topology = clab_topology(design, graph, Path("configs"))
    builder = IntentBuilder(design, graph, lab=True)
    nodes = topology["topology"]["nodes"]
    used = {e for link in endpoints(topology) for e in link}
    for host, node in nodes.items():
        platform = design.hosts[host].platform.value
        mapping = endpoint_names(builder, host, node["kind"])
        text = config_text(configs, platform, host)
        mine = {e.split(":")[1] for e in used if e.split(":")[0] == host}
        assert mine <= set(mapping.values())
        for design_name, clab_name in mapping.items():
            heading = (
                rf"^    {re.escape(design_name)} \{{$"  # Junos: interfaces { et-0/0/0 {
                if platform == "junos"
                else rf"^interface {re.escape(design_name)}$"
            )
            assert re.search(heading, text, re.M), (host, design_name)
            if node["kind"] == "cisco_xrd":
                assert re.fullmatch(r"Gi0-0-0-\d+", clab_name)
            else:
                assert clab_name == builder.lab_names(host)[design_name]


def test_xrd_keeps_the_design_port_number_where_it_can() -> None:
    design = load_design(MINI)
    graph = build_graph(design)
    builder = IntentBuilder(design, graph, lab=True)
    xr = [h for h in sorted(design.hosts) if design.hosts[h].platform.value == "iosxr"]
    assert xr
    kept = moved = 0
    for host in xr:
        mapping = endpoint_names(builder, host, "cisco_xrd")
        assert set(mapping) == set(builder.lab_names(host))
        assert len(set(mapping.values())) == len(mapping)
        for design_name, clab_name in mapping.items():
            assert re.fullmatch(r"Gi0-0-0-\d+", clab_name)
            if match := re.fullmatch(r"[A-Za-z]+0/0/0/(\d+)", design_name):
                assert clab_name == f"Gi0-0-0-{match.group(1)}"
                kept += 1
            else:
                moved += 1
    assert kept and moved  # the mini design has both kinds of port
    # mc-02: 0/0/0/0-3 keep their numbers, TenGigE0/0/1/0 takes the next free one
    assert endpoint_names(builder, "mc-02", "cisco_xrd")["TenGigE0/0/1/0"] == "Gi0-0-0-4"


def test_frr_exec_creates_every_interface_the_lab_config_names(loaded: Loaded) -> None:
    design, graph, configs = loaded
    topology = clab_topology(design, graph, Path("configs"), frr_everywhere=True)
    for host, node in topology["topology"]["nodes"].items():
        present = {"lo"} | {
            e.split(":")[1]
            for link in endpoints(topology)
            for e in link
            if e.startswith(f"{host}:")
        }
        for command in node.get("exec", []):
            if match := re.fullmatch(r"ip link add (?:link \S+ name )?(\S+) type .*", command):
                present.add(match.group(1))
        text = config_text(configs, "lab", host)
        named = set(re.findall(r"^interface (\S+)", text, re.M))
        vrfs = set(re.findall(r"^vrf (\S+)", text, re.M))
        assert named <= present, (host, named - present)
        for name, vrf in re.findall(r"^interface (\S+) vrf (\S+)$", text, re.M):
            assert f"ip link set {name} master {vrf}" in node["exec"], (host, name)
        assert vrfs <= present, (host, vrfs - present)


# --- files --------------------------------------------------------------------------------------


def test_paths_exist_after_rendering_and_yaml_round_trips(loaded: Loaded, tmp_path: Path) -> None:
    design, graph, configs = loaded
    write_configs(tmp_path / "configs", configs)
    for frr in (False, True):
        out = tmp_path / "labs" / f"{'frr' if frr else 'vendor'}.clab.yml"
        topology = clab_topology(
            design, graph, tmp_path / "configs", frr_everywhere=frr, base=out.parent
        )
        assert write_clab(topology, out) == out
        paths = []
        for node in topology["topology"]["nodes"].values():
            if "startup-config" in node:
                paths.append(node["startup-config"])
            paths += [bind.split(":")[0] for bind in node.get("binds", [])]
        assert paths
        for relative in paths:
            assert not Path(relative).is_absolute()
            assert (out.parent / relative).is_file(), relative
        text = out.read_text(encoding="utf-8")
        assert YAML(typ="safe").load(text) == topology
        assert "{" not in text and "[" not in text  # block style
        if not frr:
            assert "PLACEHOLDER" in text
    for name, content in SUPPORT_FILES.items():
        assert (tmp_path / "labs" / name).read_text(encoding="utf-8") == content


def test_deterministic(loaded: Loaded, tmp_path: Path) -> None:
    design, graph, _ = loaded
    first = clab_topology(design, graph, Path("configs"), frr_everywhere=True)
    second = clab_topology(design, build_graph(design), Path("configs"), frr_everywhere=True)
    assert first == second
    a = write_clab(first, tmp_path / "a.clab.yml").read_bytes()
    b = write_clab(second, tmp_path / "b.clab.yml").read_bytes()
    assert a == b


# --- scope --------------------------------------------------------------------------------------


@pytest.mark.parametrize("frr", [False, True], ids=["vendor", "frr"])
def test_scope_restricts_nodes_and_links(loaded: Loaded, frr: bool) -> None:
    design, graph, _ = loaded
    first = design.links[0]
    scope = {first.a.device, first.b.device} | {
        n for n in graph.neighbors(first.a.device) if n in design.hosts
    }
    scope = set(sorted(scope)[:4]) | {first.a.device, first.b.device}
    topology = clab_topology(design, graph, Path("configs"), scope=scope, frr_everywhere=frr)
    assert set(topology["topology"]["nodes"]) == scope
    inside = [link for link in design.links if {link.a.device, link.b.device} <= scope]
    links = endpoints(topology)
    assert len(links) == len(inside) > 0
    assert {e.split(":")[0] for link in links for e in link} <= scope
    whole = clab_topology(design, graph, Path("configs"), frr_everywhere=frr)
    # the names of a link do not depend on what else is in the lab
    assert set(links) <= set(endpoints(whole))
    with pytest.raises(ValueError, match="no-such-device"):
        clab_topology(design, graph, Path("configs"), scope={"no-such-device"})
