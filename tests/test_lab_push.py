"""``lab_push`` goes through the same delivery as production, over ``frr_netns`` and with
replace: the exact call sequence on fake lab connections, secrets resolved as in production,
the rollout order by role, and the plain commit of a bring-up (no verifier)."""

from __future__ import annotations

from typing import Any

import pytest
from nornir.core.exceptions import ConnectionNotOpen
from nornir.core.inventory import Host
from nornir.core.task import Task
from pytest_mock import MockerFixture

from govnet.inventory.rollout import Rollout
from govnet.inventory.verification import Check, VerifyResult
from govnet.labs.frr_connection import CONNECTION_NAME
from govnet.labs.nornir_lab import lab_nornir, lab_push
from govnet.labs.workflow import lab_configs
from govnet.topology.graph import build_graph

ROUTERS = {"dg-mc-01": "gn-a", "dg-humen": "gn-b", "dg-ce-gaj": "gn-c"}
ROLES = {"dg-mc-01": "metro_core", "dg-humen": "town", "dg-ce-gaj": "bureau_ce"}


@pytest.fixture
def routers(mocker: MockerFixture) -> dict[str, Any]:
    """A fake frr_netns device per router: a diff until committed, none after."""
    committed: set[str] = set()
    sessions: set[str] = set()
    devices: dict[str, Any] = {}
    for name in ROUTERS:
        device = mocker.Mock(name=name)
        device.has_pending_commit.return_value = False
        device.commit_config.side_effect = lambda *a, host=name, **k: committed.add(host)
        device.rollback.side_effect = lambda host=name: committed.discard(host)
        device.compare_config.side_effect = lambda host=name: (
            "" if host in committed else f"+ hostname {host}\n"
        )
        devices[name] = device

    def connection(host: Host, name: str, configuration: Any) -> Any:
        assert name == CONNECTION_NAME
        sessions.add(host.name)
        return devices[host.name]

    def close(host: Host, name: str) -> None:
        if host.name not in sessions:
            raise ConnectionNotOpen(name)
        sessions.discard(host.name)
        devices[host.name].close()

    mocker.patch.object(Host, "get_connection", autospec=True, side_effect=connection)
    mocker.patch.object(Host, "close_connection", autospec=True, side_effect=close)
    mocker.patch.object(
        Host,
        "close_connections",
        autospec=True,
        side_effect=lambda host: close(host, CONNECTION_NAME) if host.name in sessions else None,
    )
    return devices


def reading_verifier(task: Task) -> VerifyResult:
    """A verification that asks the router one thing (so that it shows in its calls)."""
    device = task.host.get_connection(CONNECTION_NAME, task.nornir.config)
    device.cli(["show isis neighbor json"])
    return VerifyResult(checks=(Check(name="isis adjacencies", status="ok"),))


def test_lab_push_is_the_confirmed_replace_of_production(
    routers: dict[str, Any], mocker: MockerFixture
) -> None:
    configs = {name: f"hostname {name}\n" for name in ROUTERS}
    report = lab_push(
        lab_nornir(ROUTERS),
        configs,
        commit=True,
        verifiers=dict.fromkeys(ROUTERS, reading_verifier),
        rollout=Rollout(confirm_timeout=90),
        roles=ROLES,
    )
    read = mocker.call.cli(["show isis neighbor json"])
    for name, device in routers.items():
        assert device.mock_calls == [
            read,
            mocker.call.close(),
            mocker.call.has_pending_commit(),
            mocker.call.load_replace_candidate(config=configs[name]),
            mocker.call.compare_config(),
            mocker.call.commit_config(revert_in=90),
            mocker.call.close(),
            mocker.call.load_replace_candidate(config=configs[name]),
            mocker.call.compare_config(),
            mocker.call.discard_config(),
            read,
            mocker.call.confirm_commit(),
            mocker.call.close(),
        ]
    assert {h.host: h.status for h in report.hosts} == dict.fromkeys(ROUTERS, "committed")
    assert report.ok


def test_lab_push_rolls_out_by_role_with_a_canary(routers: dict[str, Any]) -> None:
    report = lab_push(
        lab_nornir(ROUTERS),
        {name: f"hostname {name}\n" for name in ROUTERS},
        commit=True,
        verifiers=dict.fromkeys(ROUTERS, reading_verifier),
        rollout=Rollout(canary=1),
        roles=ROLES,
    )
    assert {h.host: h.batch for h in report.hosts} == {
        "dg-ce-gaj": 0,  # the CE is the canary: edge first
        "dg-humen": 1,
        "dg-mc-01": 1,  # the route reflector last
    }


def test_lab_push_resolves_secrets_and_fails_a_router_whose_secret_is_missing(
    routers: dict[str, Any], mocker: MockerFixture
) -> None:
    configs = {
        "dg-humen": "hostname dg-humen\npassword %SECRET(env:LAB_PASSWORD)%\n",
        "dg-mc-01": "hostname dg-mc-01\npassword %SECRET(env:LAB_UNSET)%\n",
    }
    report = lab_push(
        lab_nornir(ROUTERS), configs, commit=False, environ={"LAB_PASSWORD": "lab-s3cret"}
    )
    assert routers["dg-humen"].mock_calls[0] == mocker.call.load_replace_candidate(
        config="hostname dg-humen\npassword lab-s3cret\n"
    )
    assert routers["dg-mc-01"].mock_calls == []  # failed before connecting
    hosts = {h.host: h for h in report.hosts}
    assert hosts["dg-mc-01"].status == "failed"
    assert hosts["dg-mc-01"].reason == "unresolved secret(s): env:LAB_UNSET"
    assert hosts["dg-humen"].status == "would change"
    assert "lab-s3cret" not in report.model_dump_json()


def test_a_bring_up_commits_plainly_without_baseline_or_timer(
    routers: dict[str, Any], mocker: MockerFixture
) -> None:
    report = lab_push(lab_nornir(ROUTERS), {"dg-humen": "hostname dg-humen\n"}, commit=True)
    assert routers["dg-humen"].mock_calls == [
        mocker.call.has_pending_commit(),
        mocker.call.load_replace_candidate(config="hostname dg-humen\n"),
        mocker.call.compare_config(),
        mocker.call.commit_config(),
        mocker.call.close(),
    ]
    (host,) = report.hosts
    assert (host.status, host.revert_in) == ("committed", None)


def test_lab_configs_carry_no_secret_placeholders(reference: Any) -> None:
    """Today's lab profile renders no secret; lab_push resolves them should one appear."""
    configs = lab_configs(reference, build_graph(reference), sorted(reference.hosts))
    assert len(configs) == 62
    assert not [name for name, text in configs.items() if "%SECRET(" in text]


def test_lab_verify_names_a_dead_router_as_the_likely_cause(
    tmp_path: Any, reference: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from govnet.cli import app
    from govnet.inventory.push import design_loopbacks
    from govnet.labs import nornir_lab
    from tests.conftest import REFERENCE, json_result

    routers = {"dg-humen": "gn-1", "dg-changan": "gn-2", "dg-houjie": "gn-3"}
    loopbacks = design_loopbacks(reference, build_graph(reference))
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps({"routers": routers, "loopbacks": {n: loopbacks[n] for n in routers}}),
        encoding="utf-8",
    )
    lost = Check(
        name="loopback routes",
        status="failed",
        detail=f"no route to {loopbacks['dg-humen'][0]}/32",
        subjects=("dg-humen",),
    )
    outcome = {
        "dg-changan": VerifyResult(checks=(lost,)),
        "dg-houjie": VerifyResult(checks=(Check(name="loopback routes", status="ok"),)),
        "dg-humen": "error: FrrError: gn-1: FRR is not running",
    }
    monkeypatch.setattr(nornir_lab, "lab_verify", lambda *args, **kwargs: outcome)
    monkeypatch.setenv("COLUMNS", "250")  # one line per router
    args = ["lab", "verify", "--design", str(REFERENCE), "--state", str(state)]
    shown = CliRunner().invoke(app, args)
    assert shown.exit_code == 1
    assert "caused by dg-humen: unreachable" in shown.stdout
    as_json = CliRunner().invoke(app, [*args, "--json"])
    payload = json_result(as_json.stdout)
    assert payload["dg-changan"]["likely_cause"] == "caused by dg-humen: unreachable"
    assert "likely_cause" not in payload["dg-houjie"]
    assert payload["dg-humen"] == {"error": "error: FrrError: gn-1: FRR is not running"}
