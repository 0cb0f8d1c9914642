"""LDP-IGP synchronisation on the IS-IS links of LDP routers (issue 13), checked against what the
vendors document (templates/<platform>/SOURCES.md, "LDP-IGP synchronisation"):

- VRP: `isis ldp-sync` on every IS-IS interface that runs LDP (it needs `isis enable` on the
  interface), on no other, and `timer ldp-sync hold-max-cost` in the IS-IS view: `infinite` when
  the IGP carries LDP traffic only (transport mpls), an interval (0..65535 s) when it also carries
  SRv6 (dual), as Huawei advises; nothing of it with transport srv6;
- IOS-XR `mpls ldp sync` and Junos `ldp-synchronization` on the same interfaces;
- FRR `mpls ldp-sync` (and its holddown) under `router isis` in production renders, never in the
  lab, whose kernel has no MPLS forwarding (the lab runs no LDP).
Which routers run LDP is read from the design's files here: transport mpls or dual, and an
IS-IS link (a ring or backbone link between two backbone devices).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml_rs

from govnet.design import load_design
from govnet.templates.build import build_intents
from govnet.templates.features import load_features
from govnet.templates.intent import DeviceIntent
from govnet.templates.render import check_features, environment, render_device, template_dirs
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE, assert_frr_loads, copy_design, replace_in

MINI = Path(__file__).parent / "designs" / "mini"
BACKBONE_KINDS = ("ring", "backbone")


def intents(root: Path, lab: bool = False) -> dict[str, DeviceIntent]:
    design = load_design(root)
    return build_intents(design, build_graph(design), lab=lab)


def transport(root: Path) -> str:
    network = yaml_rs.loads((root / "topology/network.yaml").read_text(encoding="utf-8"))
    return str(network["transport"])


def ldp_interfaces(root: Path) -> dict[str, set[str]]:
    """Per device, the interfaces of its links to other backbone devices (LDP with transport
    mpls or dual), from hosts.yaml and links.yaml."""
    hosts = yaml_rs.loads((root / "inventory/hosts.yaml").read_text(encoding="utf-8"))
    links = yaml_rs.loads((root / "topology/links.yaml").read_text(encoding="utf-8"))["links"]
    edge = {"bureau_ce", "access"}
    result: dict[str, set[str]] = {}
    if transport(root) == "srv6":
        return result
    for link in links:
        a, b = link["a"], link["b"]
        if {hosts[a["device"]]["data"]["role"], hosts[b["device"]]["data"]["role"]} & edge:
            continue
        for end in (a, b):
            result.setdefault(end["device"], set()).add(end["interface"])
    return result


def vrp_interfaces(text: str) -> dict[str, list[str]]:
    blocks = {}
    for block in text.split("\n#\n"):
        lines = block.splitlines()
        if lines and lines[0].startswith("interface "):
            blocks[lines[0].removeprefix("interface ")] = lines[1:]
    return blocks


def variant(tmp_path: Path, transport_name: str) -> Path:
    root = copy_design(MINI, tmp_path / transport_name)
    replace_in(root / "topology/network.yaml", "transport: dual", f"transport: {transport_name}")
    return root


@pytest.mark.parametrize("root", [MINI, REFERENCE], ids=["mini", "reference"])
def test_every_vrp_isis_interface_of_an_ldp_router_has_ldp_sync(root: Path) -> None:
    wanted = ldp_interfaces(root)
    env = environment(root)
    checked = expected = 0
    for name, intent in intents(root).items():
        if intent.platform != "huawei_vrp":
            continue
        expected += len(wanted.get(name, set()))
        text = render_device(env, intent)
        for interface, lines in vrp_interfaces(text).items():
            synced = " isis ldp-sync" in lines
            assert synced == (interface in wanted.get(name, set())), (name, interface)
            if synced:  # documented prerequisites: IS-IS and LDP on the interface
                assert " isis enable 1" in lines and " mpls ldp" in lines, (name, interface)
                assert lines.index(" isis ldp-sync") > lines.index(" mpls ldp"), name
                checked += 1
        has_ldp = bool(wanted.get(name))
        assert ("\nmpls ldp\n" in text) == has_ldp, name
        assert (" timer ldp-sync hold-max-cost 60\n" in text) == has_ldp, name
    assert checked == expected == {MINI: 8, REFERENCE: 140}[root]


@pytest.mark.parametrize(
    ("transport_name", "hold_max_cost"), [("mpls", "infinite"), ("dual", "60"), ("srv6", None)]
)
def test_hold_max_cost_follows_what_the_igp_carries(
    tmp_path: Path, transport_name: str, hold_max_cost: str | None
) -> None:
    root = MINI if transport_name == "dual" else variant(tmp_path, transport_name)
    text = render_device(environment(root), intents(root)["mc-01"])
    lines = re.findall(r"^ timer ldp-sync hold-max-cost (\S+)$", text, re.M)
    assert lines == ([hold_max_cost] if hold_max_cost else [])
    if hold_max_cost and hold_max_cost != "infinite":
        assert 0 <= int(hold_max_cost) <= 65535  # the documented range
    assert text.count("\n isis ldp-sync\n") == (0 if hold_max_cost is None else 4)  # 4 links
    # the timer sits in the IS-IS view
    isis = text.split("\nisis 1\n", 1)[1].split("\n#\n", 1)[0]
    assert ("\n timer ldp-sync" in "\n" + isis) == (hold_max_cost is not None)


@pytest.mark.parametrize("root", [MINI, REFERENCE], ids=["mini", "reference"])
def test_every_platform_syncs_exactly_the_ldp_interfaces(root: Path) -> None:
    """Each LDP router's intent rendered on all four platforms: the platform's sync statement
    once per LDP interface (FRR: once under `router isis`, for every LDP interface)."""
    env = environment(root)
    wanted = ldp_interfaces(root)
    for name, intent in intents(root).items():
        count = len(wanted.get(name, set()))
        for platform, statement in (
            ("huawei_vrp", "\n isis ldp-sync\n"),
            ("iosxr", "\n   mpls ldp sync\n"),
            ("junos", "\n            ldp-synchronization;\n"),
        ):
            text = render_device(env, intent.model_copy(update={"platform": platform}))
            assert text.count(statement) == count, (name, platform)
        frr = render_device(env, intent.model_copy(update={"platform": "frr"}))
        assert frr.count("\n mpls ldp-sync\n") == (1 if count else 0), name
        assert frr.count("\n mpls ldp-sync holddown 60\n") == (1 if count else 0), name


def test_the_lab_renders_no_ldp_sync() -> None:
    """The lab runs no LDP (no MPLS forwarding in its kernel), so no synchronisation either:
    IS-IS would keep every link at its maximum metric waiting for an LDP that never comes."""
    for name, intent in intents(MINI, lab=True).items():
        assert intent.isis is None or not intent.isis.ldp_sync, name
        text = render_device(environment(MINI), intent)
        assert "ldp-sync" not in text and "mpls ldp" not in text, name
    for golden in (Path(__file__).parent / "golden" / "mini" / "lab").glob("*.conf"):
        assert "ldp-sync" not in golden.read_text(encoding="utf-8"), golden.name


@pytest.mark.skipif(shutil.which("vtysh") is None, reason="FRR's vtysh is not installed")
@pytest.mark.parametrize("transport_name", ["mpls", "dual"])
def test_frr_takes_ldp_sync_in_production_renders(tmp_path: Path, transport_name: str) -> None:
    root = MINI if transport_name == "dual" else variant(tmp_path, transport_name)
    intent = intents(root)["mc-01"].model_copy(update={"platform": "frr"})
    text = render_device(environment(root), intent)
    isis = text.split("\nrouter isis GOVNET\n", 1)[1].split("\nexit\n", 1)[0]
    assert " mpls ldp-sync" in isis.splitlines()
    assert (" mpls ldp-sync holddown 60" in isis.splitlines()) == (transport_name == "dual")
    assert_frr_loads(text, tmp_path / "mc-01.conf")


def test_a_platform_without_ldp_sync_is_refused_before_rendering(tmp_path: Path) -> None:
    """features.yaml: where a design's templates say a platform cannot synchronise LDP and
    IS-IS, every device of that platform that runs LDP is refused, naming the feature."""
    root = copy_design(MINI, tmp_path / "mini")
    reference = REFERENCE / "templates" / "features.yaml"
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "features.yaml").write_text(
        reference.read_text(encoding="utf-8").replace(
            "ldp_igp_sync:          {huawei_vrp: true,",
            "ldp_igp_sync:          {huawei_vrp: false,",
        ),
        encoding="utf-8",
    )
    features = load_features(template_dirs(root))
    assert features.of("huawei_vrp")["ldp_igp_sync"] is False
    problems = check_features(intents(root).values(), features)
    assert sorted(problems) == [
        f"{name}: platform huawei_vrp cannot do 'ldp_igp_sync' (LDP-IGP synchronisation on the"
        " LDP links; see templates/features.yaml)"
        for name in ("inet-01", "mc-01", "town-a")
    ]
