"""`govnet failures` and `govnet report` on the reference; the Dask engine gives the same answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from govnet.cli import app
from govnet.design import Design
from govnet.topology.engine import open_engine
from govnet.topology.failure_report import build_report
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE, json_result

runner = CliRunner()


def test_failures_json_scopes() -> None:
    result = runner.invoke(
        app, ["failures", "--design", str(REFERENCE), "--scope", "srlg", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json_result(result.stdout)
    assert report["scopes"] == ["srlg"]
    assert {s["scope"] for s in report["scenarios"]} == {"srlg"}
    trunk = next(s for s in report["scenarios"] if s["failed"] == ["dg-avenue-trunk"])
    assert [x["site"] for x in trunk["cut_off"]["internet"]] == [
        "dongcheng",
        "guancheng",
        "nancheng",
        "wanjiang",
    ]


def test_failures_table_and_bad_scope() -> None:
    result = runner.invoke(
        app, ["failures", "--design", str(REFERENCE), "--scope", "double", "--top", "3"]
    )
    assert result.exit_code == 0
    assert "double link failures" in result.output and "4,656 examined" in result.output
    assert "(28 pairs)" in result.output  # the R2 class: 8 links, 28 pairs
    bad = runner.invoke(app, ["failures", "--design", str(REFERENCE), "--scope", "triple"])
    assert bad.exit_code == 2 and "unknown scope(s): triple" in bad.output


def test_dask_engine_gives_identical_results(reference: Design) -> None:
    pytest.importorskip("distributed")
    graph = build_graph(reference)
    local = build_report(graph)
    with open_engine("dask") as engine:
        distributed = build_report(graph, engine=engine)
    assert distributed.engine == "dask" and local.engine == "local"
    assert distributed.scenarios == local.scenarios
    assert distributed.counts == local.counts


def test_report(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(app, ["report", "--design", str(REFERENCE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    for figure in ("rings.png", "heatmap.png", "utilisation.png"):
        data = (out / figure).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, figure
        assert f'src="{figure}"' in page
    assert "two-disjoint-paths" in page and "huangjiang" in page
    assert "dg-avenue-trunk" in page
