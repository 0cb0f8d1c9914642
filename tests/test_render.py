"""Rendering: golden files for the mini design on every platform, determinism, FRR loads every
lab config of the reference with zero errors, and the feature matrix refuses what a platform
cannot do."""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govnet.cli import app
from govnet.design import Design, load_design
from govnet.templates.build import build_intents
from govnet.templates.features import load_features
from govnet.templates.render import RenderedConfig, RenderError, render_all, template_dirs
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE, copy_design, replace_in

MINI = Path(__file__).parent / "designs" / "mini"
GOLDEN = Path(__file__).parent / "golden" / "mini"
VTYSH = shutil.which("vtysh")


def render(design: Design, lab: bool = False) -> list[RenderedConfig]:
    features = load_features(template_dirs(design.root))
    intents = build_intents(design, build_graph(design), lab=lab)
    return render_all(design.root, intents, features, "lab" if lab else None)


@pytest.fixture(scope="module")
def mini() -> Design:
    return load_design(MINI)


@pytest.fixture(scope="module")
def mini_configs(mini: Design) -> list[RenderedConfig]:
    return render(mini) + render(mini, lab=True)


def test_golden_files(mini_configs: list[RenderedConfig]) -> None:
    """`UPDATE_GOLDEN=1 pytest tests/test_render.py` rewrites them; review the diff."""
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for config in mini_configs:
            path = GOLDEN / config.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(config.text, encoding="utf-8")
    expected = {p.relative_to(GOLDEN) for p in GOLDEN.rglob("*") if p.is_file()}
    assert {c.path for c in mini_configs} == expected
    for config in mini_configs:
        assert config.text == (GOLDEN / config.path).read_text(encoding="utf-8"), config.path
    platforms = {c.path.parts[0] for c in mini_configs}
    assert platforms == {"huawei_vrp", "iosxr", "junos", "lab"}


def test_rendering_is_deterministic(mini: Design, mini_configs: list[RenderedConfig]) -> None:
    again = render(load_design(MINI)) + render(load_design(MINI), lab=True)
    assert [(c.path, c.text) for c in again] == [(c.path, c.text) for c in mini_configs]


@pytest.mark.skipif(VTYSH is None, reason="FRR is not installed (.ci/run installs it)")
@pytest.mark.parametrize("design_path", [REFERENCE, MINI], ids=["reference", "mini"])
def test_frr_loads_every_lab_config(design_path: Path, tmp_path: Path) -> None:
    configs = render(load_design(design_path), lab=True)
    assert len(configs) == len(load_design(design_path).hosts)
    for config in configs:
        path = tmp_path / config.path.name
        path.write_text(config.text, encoding="utf-8")
        result = subprocess.run([str(VTYSH), "-C", "-f", str(path)], capture_output=True, text=True)
        assert (result.returncode, result.stdout + result.stderr) == (0, ""), config.hostname


@pytest.mark.skipif(VTYSH is None, reason="FRR is not installed (.ci/run installs it)")
def test_vtysh_check_can_fail(tmp_path: Path) -> None:
    """The FRR check above is only worth something if vtysh rejects a bad line."""
    path = tmp_path / "bad.conf"
    path.write_text("router isis GOVNET\n is-type level-9\nexit\n", encoding="utf-8")
    result = subprocess.run([str(VTYSH), "-C", "-f", str(path)], capture_output=True, text=True)
    assert result.returncode != 0 and "is-type level-9" in result.stdout + result.stderr


def test_lab_interfaces_are_linux_names(mini: Design) -> None:
    intents = build_intents(mini, build_graph(mini), lab=True)
    agg = intents["agg-01"]
    # the VRF sub-interfaces eth1.100/.200/.301 are not in the lab (no VRF devices there)
    assert [i.name for i in agg.interfaces] == ["lo", "eth1", "eth2", "eth3", "eth4"]
    assert all(i.platform == "frr" and i.management is None for i in intents.values())


def test_lab_profile_announces_vrf_prefixes_into_vpn_families(mini: Design) -> None:
    graph = build_graph(mini)
    full = build_intents(mini, graph, ["agg-01"])["agg-01"]
    lab = build_intents(mini, graph, ["agg-01"], lab=True)["agg-01"]
    assert not lab.vrfs and not lab.mpls_ldp and full.vrfs
    assert lab.bgp is not None and all(n.vrf is None for n in lab.bgp.neighbors)
    routes = {(r.vrf, r.family, r.prefix): (r.rd, r.label, r.route_targets) for r in lab.vpn_routes}
    assert routes == {
        ("INTERNET", "vpnv4", "10.101.0.6/31"): ("10.100.0.1:200", 1200, ["65099:200"]),
        ("INTERNET", "vpnv6", "2001:db8:99:100::6/127"): ("10.100.0.1:200", 1200, ["65099:200"]),
        ("POLICE", "vpnv4", "10.101.0.8/31"): ("10.100.0.1:301", 1301, ["65099:301", "65099:2"]),
        ("POLICE", "vpnv6", "2001:db8:99:100::8/127"): (
            "10.100.0.1:301",
            1301,
            ["65099:301", "65099:2"],
        ),
        ("PUBLIC", "vpnv4", "10.101.0.4/31"): ("10.100.0.1:100", 1100, ["65099:100"]),
        ("PUBLIC", "vpnv6", "2001:db8:99:100::4/127"): ("10.100.0.1:100", 1100, ["65099:100"]),
    }
    # every address the full intent puts in a VRF is covered by one of the lab routes
    for interface in full.interfaces:
        if interface.vrf:
            for address in (interface.ipv4, interface.ipv6):
                network = str(ipaddress.ip_interface(address).network)
                assert any(key[2] == network for key in routes), network


def test_a_platform_is_refused_what_it_cannot_do(tmp_path: Path) -> None:
    """A Linux router renders its whole management plane, but never a Telnet server."""
    root = copy_design(MINI, tmp_path / "mini")
    hosts = root / "inventory/hosts.yaml"
    replace_in(
        hosts,
        "town-a:\n  hostname: 10.99.0.11\n  platform: huawei_vrp\n  groups: [huawei_vrp]\n",
        "town-a:\n  hostname: 10.99.0.11\n  platform: frr\n  groups: [frr]\n",
    )
    links = root / "topology/links.yaml"
    replace_in(links, "{device: town-a, interface: 10GE2/0/0}", "{device: town-a, interface: eth1}")
    replace_in(links, "{device: town-a, interface: 10GE2/0/1}", "{device: town-a, interface: eth2}")
    replace_in(root / "topology/management.yaml", "telnet: false", "telnet: true")
    design = load_design(root)
    with pytest.raises(RenderError) as caught:
        render(design)
    assert caught.value.problems == [
        "town-a: platform frr cannot do 'telnet' "
        "(telnet: true in topology/management.yaml; see templates/features.yaml)"
    ]
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["render", "--design", str(root), "--out", str(out)])
    assert result.exit_code == 2 and "cannot do 'telnet'" in result.output
    assert not out.exists()  # nothing written


@pytest.mark.parametrize("transport", ["mpls", "srv6", "dual"])
def test_transport_mode_drives_the_configs(tmp_path: Path, transport: str) -> None:
    root = copy_design(MINI, tmp_path / transport)
    replace_in(root / "topology/network.yaml", "transport: dual", f"transport: {transport}")
    design = load_design(root)
    intents = build_intents(design, build_graph(design))
    town = intents["town-a"]
    assert town.bgp is not None
    sessions = {n.address for n in town.bgp.neighbors}
    v4_sessions = {a for a in sessions if ":" not in a}
    v6_sessions = sessions - v4_sessions
    mpls, srv6 = transport in ("mpls", "dual"), transport in ("srv6", "dual")
    assert town.mpls_ldp is mpls
    assert (town.srv6 is not None) is srv6
    assert (town.isis is not None and town.isis.srv6_locator == "GOVNET") is srv6
    assert bool(v4_sessions) is mpls and bool(v6_sessions) is srv6
    assert all(n.srv6 == (":" in n.address) for n in town.bgp.neighbors)
    assert {(v.mpls, v.srv6) for v in town.vrfs} == {(mpls, srv6)}
    configs = {c.hostname: c.text for c in render(design)}
    huawei = configs["town-a"]
    assert ("\nmpls ldp\n" in huawei) is mpls
    assert ("\n  segment-routing ipv6 best-effort\n" in huawei) is srv6
    assert (" prefix-sid" in huawei) is srv6
    xr = configs["town-b"]
    assert ("\nmpls ldp\n" in xr) is mpls
    assert ("encapsulation-type srv6" in xr) is srv6
    if VTYSH is not None:
        for config in render(design, lab=True):
            path = tmp_path / config.path.name
            path.write_text(config.text, encoding="utf-8")
            result = subprocess.run(
                [str(VTYSH), "-C", "-f", str(path)], capture_output=True, text=True
            )
            assert (result.returncode, result.stdout + result.stderr) == (0, ""), config.hostname
