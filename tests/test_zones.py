"""Zone isolation: the reference is isolated; every kind of leak is caught with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from govnet.checks.zones import check_zones
from govnet.cli import app
from govnet.design import Design, load_design
from govnet.templates.build import build_intents
from govnet.topology.graph import build_graph
from tests.conftest import replace_in


def violations(design: Design) -> list[tuple[str, str, str, str, str]]:
    found = check_zones(design, build_intents(design, build_graph(design)))
    return [(v.device, v.vrf, v.route_target, v.source, v.reason) for v in found]


def test_reference_is_isolated(reference: Design) -> None:
    assert violations(reference) == []
    intents = build_intents(reference, build_graph(reference))
    ga = next(v for v in intents["dg-humen"].vrfs if v.name == "GA-VIDEO")
    assert ga.import_targets == ["65010:301"] and ga.export_targets == ["65010:301"]
    health = next(v for v in intents["dg-humen"].vrfs if v.name == "WJ-HEALTH")
    assert health.import_targets == ["65010:304", "65010:1"]
    assert health.export_targets == ["65010:304", "65010:2"]
    public_hub = next(v for v in intents["dg-cloud-01"].vrfs if v.name == "PUBLIC")
    assert public_hub.import_targets == ["65010:100", "65010:2"]
    assert public_hub.export_targets == ["65010:100", "65010:1"]
    public_town = next(v for v in intents["dg-humen"].vrfs if v.name == "PUBLIC")
    assert public_town.import_targets == public_town.export_targets == ["65010:100"]


def add_import(root: Path, vpn: str, target: str) -> None:
    replace_in(
        root / "topology/services.yaml",
        f"  - name: {vpn}\n",
        f"  - name: {vpn}\n    extra_import_targets: ['{target}']\n",
    )


@pytest.mark.parametrize(
    ("vpn", "target", "source", "reason"),
    [
        (
            "GA-VIDEO",
            "65010:302",
            "CZ-FINANCE",
            "leaks between departments: finance into public-security",
        ),
        ("PUBLIC", "65010:200", "INTERNET", "imports the Internet zone's routes"),
        ("GA-VIDEO", "65010:1", "PUBLIC", "crosses zones: public (PUBLIC) into private (GA-VIDEO)"),
        ("CZ-FINANCE", "65010:999", "-", "imports a route target no VPN exports"),
    ],
)
def test_leaks_are_caught(
    design_dir: Path, vpn: str, target: str, source: str, reason: str
) -> None:
    add_import(design_dir, vpn, target)
    design = load_design(design_dir)
    found = violations(design)
    pes = sorted(
        n
        for n, i in build_intents(design, build_graph(design)).items()
        if any(v.name == vpn and v.import_targets for v in i.vrfs)  # PEs, not VRF-lite CEs
    )
    assert pes  # the VPN is instantiated somewhere
    assert sorted(f[0] for f in found) == pes  # once per PE of the leaking VPN, nowhere else
    for _device, vrf, rt, src, why in found:
        assert (vrf, rt, src) == (vpn, target, source)
        assert why.startswith(reason)


def test_cli(design_dir: Path) -> None:
    runner = CliRunner()
    clean = runner.invoke(app, ["check", "zones", "--design", str(design_dir)])
    assert (
        clean.exit_code == 0 and "zones isolated: 304 VPN instances on 62 devices" in clean.output
    )
    add_import(design_dir, "YJ-EMERGENCY", "65010:301")
    leaking = runner.invoke(app, ["check", "zones", "--design", str(design_dir), "--json"])
    assert leaking.exit_code == 1
    assert (
        '"reason": "leaks between departments: public-security into emergency-management"'
        in leaking.output
    )
