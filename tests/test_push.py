"""Push: secrets resolved before sending, the exact NAPALM call sequence per host (dry run never
commits, a failed verification rolls back, an error discards the candidate and never stops the
other hosts), verification against the intent, backups, and the report tables."""

from __future__ import annotations

import io
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from napalm.base.exceptions import ModuleImportError  # type: ignore[import-untyped]
from nornir.core import Nornir
from nornir.core.inventory import Host
from passlib.hash import cisco_type7  # type: ignore[import-untyped]
from pytest_mock import MockerFixture
from rich.console import Console
from rich.progress import Progress

from govnet.design import Design
from govnet.inventory.bgp_cli import BGP_CLI_HOOKS
from govnet.inventory.platforms import DEVICE_CONNECTION, Platform
from govnet.inventory.push import (
    BGP_HOOKS,
    PushReport,
    design_loopbacks,
    napalm_bgp,
    push_tables,
    run_backup,
    run_push,
)
from govnet.inventory.secrets import UnresolvedSecrets, resolve_secrets
from govnet.inventory.verification import check_bgp, check_loopbacks, loopback_prefixes
from govnet.ipv6 import live
from govnet.ipv6.live import build_nornir
from govnet.templates.build import build_intents
from govnet.templates.intent import DeviceIntent
from govnet.templates.render import render_design
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE
from tests.test_bgp_cli import ALL_UP, SAMPLES

ISIS_COMMANDS = {
    "huawei_vrp": "display isis peer",
    "iosxr": "show isis neighbors",
    "junos": "show isis adjacency",
}
SRV6_COMMANDS = {
    "huawei_vrp": "display segment-routing ipv6 locator verbose",
    "iosxr": "show segment-routing srv6 locator",
    "junos": "show srv6 locator",
}
DEVICE_CLI = Path(__file__).parent / "data" / "device_cli"
HOSTS = ["dg-changan", "dg-humen", "dg-qingxi"]  # iosxr, huawei_vrp, junos
SECRETS = {
    "GOVNET_LOCAL_ADMIN_PASSWORD": "Adm1n-S3cret!",
    "GOVNET_NTP_KEY_MD5": "ntp-md5-key-value",
    "GOVNET_NTP_KEY_SHA256": "ntp-sha256-key-value",
    "GOVNET_SNMP_AUTH_KEY": "snmp-auth-key-value",
    "GOVNET_SNMP_PRIV_KEY": "snmp-priv-key-value",
    "GOVNET_TACACS_KEY": "tacacs-key-value",
}
INVENTORY_HOSTS = """\
dg-humen:
  hostname: 10.199.2.24
  groups: [huawei_vrp]
dg-changan:
  hostname: 10.199.2.25
  groups: [iosxr]
dg-qingxi:
  hostname: 10.199.2.40
  groups: [junos]
dg-not-designed:
  hostname: 10.199.9.9
  groups: [iosxr]
"""


# --- secrets


def test_resolve_secrets_from_the_environment() -> None:
    text = "a %SECRET(env:A)% b %SECRET(env:B)% a %SECRET(env:A)%\n"
    assert resolve_secrets(text, {"A": "1", "B": "two"}) == "a 1 b two a 1\n"
    assert resolve_secrets("no placeholders\n", {}) == "no placeholders\n"


def test_unresolved_secrets_name_every_reference_and_no_value() -> None:
    text = "%SECRET(env:SET)% %SECRET(env:UNSET)% %SECRET(env:EMPTY)% %SECRET(vault:kv/ntp)%"
    with pytest.raises(UnresolvedSecrets) as caught:
        resolve_secrets(text, {"SET": "the-value", "EMPTY": ""})
    assert caught.value.references == ("env:EMPTY", "env:UNSET", "vault:kv/ntp")
    assert "the-value" not in str(caught.value)
    assert "env:UNSET" in str(caught.value)


# --- fixtures: three real hosts of the reference design, their NAPALM connections mocked


@pytest.fixture(scope="module")
def graph(reference: Design) -> nx.MultiGraph:
    return build_graph(reference)


@pytest.fixture(scope="module")
def intents(reference: Design, graph: nx.MultiGraph) -> dict[str, DeviceIntent]:
    return build_intents(reference, graph, HOSTS)


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def nornir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Nornir:
    monkeypatch.setenv("GOVNET_USERNAME", "noc-writer")
    monkeypatch.setenv("GOVNET_PASSWORD", "from-the-environment-only")
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory/hosts.yaml").write_text(INVENTORY_HOSTS, encoding="utf-8")
    for name in ("groups.yaml", "defaults.yaml"):
        shutil.copy(REFERENCE / "inventory" / name, tmp_path / "inventory" / name)
    return build_nornir(tmp_path, None)


def bgp_answer(intent: DeviceIntent, down: str | None = None) -> dict[str, Any]:
    """get_bgp_neighbors() with every neighbour of the intent up (but ``down``), IPv6
    addresses in the upper case some drivers report."""
    assert intent.bgp is not None
    peers = {
        n.address.upper(): {
            "is_up": n.address != down,
            "is_enabled": True,
            "remote_as": n.remote_as,
            "address_family": {"ipv4": {"received_prefixes": 12}},
        }
        for n in intent.bgp.neighbors
    }
    return {"global": {"router_id": intent.router_id, "peers": peers}}


def interfaces_ip_answer(intent: DeviceIntent) -> dict[str, Any]:
    lo = next(i for i in intent.interfaces if i.kind == "loopback")
    assert lo.ipv4 and lo.ipv6
    name = "lo0.0" if intent.platform == "junos" else lo.name
    v4, v4len = lo.ipv4.split("/")
    v6, v6len = lo.ipv6.split("/")
    return {
        name: {
            "ipv4": {v4: {"prefix_length": int(v4len)}},
            "ipv6": {v6.upper(): {"prefix_length": int(v6len)}},
        }
    }


def cli_answer(
    platform: str, bgp: dict[str, str] | Exception | None = None
) -> Callable[[list[str]], dict[str, str]]:
    """The device's CLI: the recorded outputs of tests/data/device_cli and, for BGP, every
    session established (or ``bgp``: other answers, or an error), all written for exactly the
    hosts of HOSTS, matching their intents."""
    bgp_answers = ALL_UP[Platform(platform)] if bgp is None else bgp

    def read(command: str) -> str:
        if isinstance(bgp_answers, Exception) and command in ALL_UP[Platform(platform)]:
            raise bgp_answers
        if isinstance(bgp_answers, dict) and command in bgp_answers:
            return bgp_answers[command]
        return (DEVICE_CLI / f"{platform}_{command.replace(' ', '_')}.txt").read_text()

    def answer(commands: list[str]) -> dict[str, str]:
        return {command: read(command) for command in commands}

    return answer


def bgp_commands(platform: str) -> list[str]:
    """The per-family BGP show commands verify sends, in order."""
    return list(ALL_UP[Platform(platform)])


@pytest.fixture
def devices(mocker: MockerFixture, intents: dict[str, DeviceIntent]) -> dict[str, Any]:
    """One mock NAPALM driver per host, returned by Host.get_connection; every driver counts as
    installed (tests that need a missing one patch get_network_driver themselves)."""
    drivers: dict[str, Any] = {}
    for name, intent in intents.items():
        device = mocker.Mock(name=name)
        device.compare_config.return_value = f"+ sysname {name}\n"
        device.get_interfaces_ip.return_value = interfaces_ip_answer(intent)
        device.cli.side_effect = cli_answer(intent.platform)
        drivers[name] = device

    def connection(host: Host, name: str, configuration: Any) -> Any:
        assert name == DEVICE_CONNECTION
        return drivers[host.name]

    mocker.patch.object(Host, "get_connection", autospec=True, side_effect=connection)
    mocker.patch.object(live, "get_network_driver", return_value=object)
    return drivers


def rendered(reference: Design, graph: nx.MultiGraph) -> dict[str, str]:
    """Each host's config as it must be sent: rendered, secrets resolved."""
    return {
        c.hostname: resolve_secrets(c.text, os.environ)
        for c in render_design(reference, graph, HOSTS)
    }


def statuses(report: PushReport) -> dict[str, str]:
    return {host.host: host.status for host in report.hosts}


# --- push


def test_dry_run_loads_compares_and_discards_only(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
    mocker: MockerFixture,
) -> None:
    report = run_push(reference, graph, nornir, commit=False)
    configs = rendered(reference, graph)
    for name, device in devices.items():
        assert device.mock_calls == [
            mocker.call.load_merge_candidate(config=configs[name]),
            mocker.call.compare_config(),
            mocker.call.discard_config(),
        ]
        device.commit_config.assert_not_called()
        assert "%SECRET(" not in configs[name]
        # VRP and Junos take the TACACS+ key as text, IOS-XR `key 7` in its type 7 form
        type7 = {cisco_type7.decode(k) for k in re.findall(r"key 7 (\S+)", configs[name])}
        assert (
            SECRETS["GOVNET_TACACS_KEY"] in configs[name] or SECRETS["GOVNET_TACACS_KEY"] in type7
        )
    assert statuses(report) == {
        "dg-changan": "would change",
        "dg-humen": "would change",
        "dg-qingxi": "would change",
        "dg-not-designed": "skipped",
    }
    assert report.ok
    humen = next(h for h in report.hosts if h.host == "dg-humen")
    assert humen.diff == "+ sysname dg-humen\n"
    assert humen.verification is None
    skipped = next(h for h in report.hosts if h.host == "dg-not-designed")
    assert skipped.reason == "not in the design"


def test_commit_with_a_diff_commits_then_verifies(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    intents: dict[str, DeviceIntent],
    secrets: None,
    mocker: MockerFixture,
) -> None:
    report = run_push(reference, graph, nornir, commit=True)
    configs = rendered(reference, graph)
    for name, device in devices.items():
        assert device.mock_calls == [
            mocker.call.load_merge_candidate(config=configs[name]),
            mocker.call.compare_config(),
            mocker.call.commit_config(),
            *[mocker.call.cli([command]) for command in bgp_commands(intents[name].platform)],
            mocker.call.get_interfaces_ip(),
            mocker.call.cli([ISIS_COMMANDS[intents[name].platform]]),
            mocker.call.cli([SRV6_COMMANDS[intents[name].platform]]),
            *[
                mocker.call.get_route_to(destination=prefix)
                for prefix in loopback_prefixes(name, design_loopbacks(reference, graph))
            ],
        ]
        device.discard_config.assert_not_called()
        device.rollback.assert_not_called()
    assert set(statuses(report).values()) == {"committed", "skipped"}
    assert report.ok
    for host in report.hosts:
        if host.status != "committed":
            continue
        assert host.verification is not None and host.verification.ok
        checks = {c.name: c.status for c in host.verification.checks}
        assert checks == {
            "bgp": "ok",
            "loopbacks": "ok",
            "isis adjacencies": "ok",
            "srv6 locator": "ok",
            "loopback routes": "ok",
        }, host.host
        assert host.verification.summary() == "ok"


def test_failed_verification_rolls_back_that_host_only(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    intents: dict[str, DeviceIntent],
    secrets: None,
    mocker: MockerFixture,
) -> None:
    devices["dg-changan"].cli.side_effect = cli_answer("iosxr", SAMPLES[Platform.IOSXR])
    devices["dg-qingxi"].get_interfaces_ip.return_value = {}  # loopbacks gone

    report = run_push(reference, graph, nornir, commit=True)

    for name in ("dg-changan", "dg-qingxi"):
        device = devices[name]
        device.commit_config.assert_called_once_with()
        device.rollback.assert_called_once_with()
        assert device.mock_calls[-1] == mocker.call.rollback()
        device.discard_config.assert_not_called()
    devices["dg-humen"].rollback.assert_not_called()
    assert statuses(report) == {
        "dg-changan": "rolled back",
        "dg-humen": "committed",
        "dg-qingxi": "rolled back",
        "dg-not-designed": "skipped",
    }
    assert not report.ok
    changan_report = next(h for h in report.hosts if h.host == "dg-changan")
    assert "bgp: 10.200.0.45 vpnv6 down" in changan_report.reason
    qingxi_report = next(h for h in report.hosts if h.host == "dg-qingxi")
    assert "loopbacks: missing 10.200.0." in qingxi_report.reason


def test_a_failing_getter_or_rollback_is_reported(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
) -> None:
    devices["dg-humen"].cli.side_effect = cli_answer("huawei_vrp", RuntimeError("cli broke"))
    devices["dg-qingxi"].get_interfaces_ip.return_value = {}
    devices["dg-qingxi"].rollback.side_effect = RuntimeError("rollback refused")

    report = run_push(reference, graph, nornir, commit=True)

    devices["dg-humen"].rollback.assert_called_once_with()
    assert statuses(report)["dg-humen"] == "rolled back"
    humen = next(h for h in report.hosts if h.host == "dg-humen")
    assert "bgp: error: RuntimeError: cli broke" in humen.reason
    qingxi = next(h for h in report.hosts if h.host == "dg-qingxi")
    assert qingxi.status == "failed"
    assert "rollback failed" in qingxi.reason and "still committed" in qingxi.reason
    assert statuses(report)["dg-changan"] == "committed"


def test_no_diff_discards_and_commits_nothing(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
    mocker: MockerFixture,
) -> None:
    for device in devices.values():
        device.compare_config.return_value = ""
    report = run_push(reference, graph, nornir, commit=True)
    for device in devices.values():
        assert device.mock_calls[1:] == [
            mocker.call.compare_config(),
            mocker.call.discard_config(),
        ]
        device.commit_config.assert_not_called()
    assert set(statuses(report).values()) == {"unchanged", "skipped"}
    assert report.ok


def test_an_error_discards_the_candidate_and_the_others_still_commit(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
    mocker: MockerFixture,
) -> None:
    devices["dg-humen"].compare_config.side_effect = RuntimeError("session dropped")
    report = run_push(reference, graph, nornir, commit=True)

    humen = devices["dg-humen"]
    assert [c[0] for c in humen.mock_calls] == [
        "load_merge_candidate",
        "compare_config",
        "discard_config",
    ]
    humen.commit_config.assert_not_called()
    for name in ("dg-changan", "dg-qingxi"):
        devices[name].commit_config.assert_called_once_with()
    result = statuses(report)
    assert (result["dg-humen"], result["dg-changan"], result["dg-qingxi"]) == (
        "failed",
        "committed",
        "committed",
    )
    reason = next(h.reason for h in report.hosts if h.host == "dg-humen")
    assert reason == "error: RuntimeError: session dropped"
    assert not report.ok


def test_a_failing_commit_discards_the_candidate(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
) -> None:
    devices["dg-qingxi"].commit_config.side_effect = RuntimeError("commit check failed")
    report = run_push(reference, graph, nornir, commit=True)
    devices["dg-qingxi"].discard_config.assert_called_once_with()
    devices["dg-qingxi"].cli.assert_not_called()
    assert statuses(report)["dg-qingxi"] == "failed"


def test_a_missing_secret_fails_before_any_connection(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOVNET_TACACS_KEY")
    report = run_push(reference, graph, nornir, commit=True)
    Host.get_connection.assert_not_called()  # type: ignore[attr-defined]
    for device in devices.values():
        assert device.mock_calls == []
    for host in report.hosts:
        if host.host in HOSTS:
            assert host.status == "failed"
            assert "env:GOVNET_TACACS_KEY" in host.reason
    assert not report.ok


def test_a_missing_napalm_driver_fails_only_its_hosts(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
    mocker: MockerFixture,
) -> None:
    def drivers(name: str) -> Any:
        if name == "huawei_vrp":
            raise ModuleImportError(f'Cannot import "{name}". Is the library installed?')
        return object

    mocker.patch.object(live, "get_network_driver", side_effect=drivers)
    report = run_push(reference, graph, nornir, commit=False)
    assert devices["dg-humen"].mock_calls == []
    humen = next(h for h in report.hosts if h.host == "dg-humen")
    assert humen.status == "failed"
    assert humen.reason.startswith("no driver:") and "napalm-huawei-vrp" in humen.reason
    assert statuses(report)["dg-changan"] == "would change"


def test_secret_values_never_reach_the_report(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
) -> None:
    key = SECRETS["GOVNET_TACACS_KEY"]
    devices["dg-changan"].compare_config.return_value = f"+ tacacs-server key 7 {key}\n"
    devices["dg-humen"].compare_config.side_effect = RuntimeError(f"bad line: key {key}")
    report = run_push(reference, graph, nornir, commit=False)
    changan = next(h for h in report.hosts if h.host == "dg-changan")
    assert changan.diff == "+ tacacs-server key 7 %SECRET(env:GOVNET_TACACS_KEY)%\n"
    console = Console(file=io.StringIO(), width=200)
    for table in push_tables(report):
        console.print(table)
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert key not in shown and key not in report.model_dump_json()
    assert "%SECRET(env:GOVNET_TACACS_KEY)%" in shown
    assert "dry run" in shown and "would change" in shown


# --- verification checks


def test_bgp_check_spells_addresses_one_way(intents: dict[str, DeviceIntent]) -> None:
    humen = intents["dg-humen"]
    check = check_bgp(humen, bgp_answer(humen))
    assert check.status == "ok"
    assert "ipv4=12" in check.detail
    empty = check_bgp(humen, {"global": {"peers": {}}})
    assert empty.status == "failed" and "missing" in empty.detail


def test_bgp_is_read_per_family_where_a_parser_exists_else_from_napalm(
    intents: dict[str, DeviceIntent], mocker: MockerFixture
) -> None:
    for platform in (Platform.HUAWEI_VRP, Platform.IOSXR, Platform.JUNOS):
        assert BGP_HOOKS[platform] is BGP_CLI_HOOKS[platform]
    assert BGP_HOOKS[Platform.FRR] is napalm_bgp
    humen = intents["dg-humen"]
    assert humen.bgp is not None
    route_reflector = humen.bgp.neighbors[1].address
    device = mocker.Mock(name="napalm-connection")
    device.get_bgp_neighbors.return_value = bgp_answer(humen, down=route_reflector)
    task = mocker.Mock(name="task")
    task.host.get_connection.return_value = device
    check = napalm_bgp(task, humen)
    assert (check.status, check.detail) == ("failed", f"{route_reflector} down")
    assert device.mock_calls == [mocker.call.get_bgp_neighbors()]


def test_loopback_check_finds_junos_units(intents: dict[str, DeviceIntent]) -> None:
    qingxi = intents["dg-qingxi"]
    answer = interfaces_ip_answer(qingxi)
    assert list(answer) == ["lo0.0"]
    assert check_loopbacks(qingxi, answer).status == "ok"
    only_v4 = {"lo0.0": {"ipv4": answer["lo0.0"]["ipv4"]}}
    check = check_loopbacks(qingxi, only_v4)
    assert check.status == "failed" and "2001:db8:" in check.detail


# --- backup


def test_backup_writes_each_running_config(
    nornir: Nornir, devices: dict[str, Any], tmp_path: Path
) -> None:
    for name, device in devices.items():
        device.get_config.return_value = {"running": f"sysname {name}\n", "startup": ""}
    out = tmp_path / "backups"
    selected = nornir.filter(filter_func=lambda host: host.name in HOSTS)
    written, failures = run_backup(selected, out)
    assert failures == {}
    assert written == {name: out / f"{name}.cfg" for name in HOSTS}
    for name, device in devices.items():
        device.get_config.assert_called_once_with(retrieve="running")
        assert (out / f"{name}.cfg").read_text(encoding="utf-8") == f"sysname {name}\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.cfg" for n in HOSTS)


def test_an_empty_running_config_never_replaces_a_backup(
    nornir: Nornir, devices: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "backups"
    out.mkdir()
    (out / "dg-humen.cfg").write_text("sysname dg-humen\n", encoding="utf-8")
    for device in devices.values():
        device.get_config.return_value = {"running": "", "startup": ""}
    selected = nornir.filter(filter_func=lambda host: host.name == "dg-humen")
    written, failures = run_backup(selected, out)
    assert written == {}
    assert failures["dg-humen"].startswith("unexpected output:")
    assert (out / "dg-humen.cfg").read_text(encoding="utf-8") == "sysname dg-humen\n"


def test_push_shows_progress_per_host(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
) -> None:
    progress = Progress(console=Console(file=io.StringIO()))
    run_push(reference, graph, nornir, commit=False, progress=progress)
    (task,) = progress.tasks
    assert (task.total, task.completed) == (3, 3)  # the skipped host is not pushed


def test_verify_changes_nothing_and_reports_each_host(
    reference: Design,
    graph: nx.MultiGraph,
    intents: dict[str, DeviceIntent],
    nornir: Nornir,
    devices: dict[str, Any],
) -> None:
    from govnet.inventory.push import run_verify
    from govnet.inventory.verification import VerifyResult

    devices["dg-changan"].cli.side_effect = cli_answer("iosxr", SAMPLES[Platform.IOSXR])
    outcome = run_verify(reference, graph, nornir)
    assert set(outcome) == set(HOSTS)
    results = {h: r for h, r in outcome.items() if isinstance(r, VerifyResult)}
    assert results["dg-humen"].ok and results["dg-qingxi"].ok
    assert not results["dg-changan"].ok
    for device in devices.values():
        called = {c[0] for c in device.mock_calls}
        assert called <= {
            "get_interfaces_ip",
            "cli",
            "get_route_to",
            "close",
        }, called


def test_a_missing_loopback_route_fails_verification_and_rolls_back(
    reference: Design,
    graph: nx.MultiGraph,
    nornir: Nornir,
    devices: dict[str, Any],
    secrets: None,
) -> None:
    """dg-qingxi has no route to dg-mc-02's IPv6 loopback after the commit."""
    lost = f"{design_loopbacks(reference, graph)['dg-mc-02'][1]}/128"
    devices["dg-qingxi"].get_route_to.side_effect = lambda destination: (
        {} if destination == lost else {destination: [{"protocol": "isis"}]}
    )
    report = run_push(reference, graph, nornir, commit=True)
    assert statuses(report)["dg-qingxi"] == "rolled back"
    assert statuses(report)["dg-humen"] == "committed"
    qingxi = next(h for h in report.hosts if h.host == "dg-qingxi")
    assert qingxi.verification is not None
    routes = next(c for c in qingxi.verification.checks if c.name == "loopback routes")
    assert routes.status == "failed" and routes.detail == f"no route to {lost}"
    devices["dg-qingxi"].rollback.assert_called_once_with()
