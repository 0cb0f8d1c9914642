"""govnet's NAPALM drivers, driven as a push drives them, over fake transports that replay
recorded device answers (tests/replay_netconf.py): napalm's and PyEZ's code runs unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from napalm.base.exceptions import (  # type: ignore[import-untyped]
    CommandErrorException,
    CommitConfirmException,
    CommitError,
)

from govnet.inventory.drivers import connection as plugin
from govnet.inventory.drivers import iosxr as xr_module
from govnet.inventory.drivers.connection import GovnetNapalm
from govnet.inventory.drivers.huawei_vrp import HuaweiVRPDriver
from govnet.inventory.drivers.iosxr import IOSXRDriver
from govnet.inventory.drivers.junos import JunosDriver
from govnet.inventory.platforms import DEVICE_CONNECTION, Platform, confirm_timeout
from govnet.ipv6.live import build_nornir
from tests.replay_netconf import (
    NO_ANSWER,
    ReplayCli,
    ReplayJunosConnection,
    ReplayManager,
    Script,
    script,
)

REFERENCE = Path(__file__).resolve().parents[1]
XR_HOST = "10.199.0.5"
XR_TOKEN = "govnet-10.199.0.5"
XR_CAPABILITIES = [
    "urn:ietf:params:netconf:base:1.1",
    "urn:ietf:params:netconf:capability:candidate:1.0",
    "urn:ietf:params:netconf:capability:confirmed-commit:1.1",
    "urn:ietf:params:netconf:capability:rollback-on-error:1.0",
    "urn:ietf:params:netconf:capability:validate:1.1",
    "urn:ietf:params:xml:ns:yang:ietf-yang-library?module=ietf-yang-library&revision=2019-01-04",
]
XR_CONFIG = "hostname dg-changan\ninterface HundredGigE0/0/0/0\n no shutdown\n!\n"
XR_CLI = (
    f'<config><cli xmlns="http://cisco.com/ns/yang/Cisco-IOS-XR-cli-cfg">{XR_CONFIG}</cli></config>'
)
OK = "drivers/netconf_ok.xml"
XR_OPEN = ("get", "drivers/iosxr_get_yang_library.xml")
XR_OPENED = ("get", {})


class Devices:
    """One replay manager per connection opened, handed out in order."""

    def __init__(self, *scripts: Script, capabilities: list[str] = XR_CAPABILITIES) -> None:
        self.managers = [ReplayManager(s, capabilities) for s in scripts]
        self.opened: list[dict[str, Any]] = []

    def connect(self, **parameters: Any) -> ReplayManager:
        self.opened.append(parameters)
        return self.managers[len(self.opened) - 1]


@pytest.fixture
def xr_devices(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Patch ncclient's connect as napalm's iosxr_netconf calls it; returns a factory."""
    from napalm.iosxr_netconf import iosxr_netconf  # type: ignore[import-untyped]

    def install(*scripts: Script, capabilities: list[str] = XR_CAPABILITIES) -> Devices:
        devices = Devices(*scripts, capabilities=capabilities)
        monkeypatch.setattr(iosxr_netconf.manager, "connect", devices.connect)
        return devices

    return install


def xr_driver() -> IOSXRDriver:
    return IOSXRDriver(XR_HOST, "noc-writer", "secret", optional_args={"config_encoding": "cli"})


# --- IOS-XR


def test_xr_replace_compare_commit_confirmed_then_confirm_over_a_fresh_connection(
    xr_devices: Any,
) -> None:
    devices = xr_devices(
        script(
            XR_OPEN,
            ("lock", OK),
            ("copy-config", OK),
            ("get-cli-config-diff", "drivers/iosxr_get_cli_config_diff.xml"),
            ("commit", OK),
            ("unlock", OK),
        ),
        script(XR_OPEN, ("commit", OK)),
    )
    pushing = xr_driver()
    pushing.open()
    pushing.load_replace_candidate(config=XR_CONFIG)
    diff = pushing.compare_config()
    pushing.commit_config(revert_in=120)
    assert pushing.has_pending_commit()
    pushing.close()

    assert diff == (
        "interface HundredGigE0/0/0/0\n- shutdown\n!\nno telnet vrf default ipv4 server max-servers 10"
    )
    first = devices.managers[0]
    assert first.script.calls == [
        XR_OPENED,
        ("lock", {"target": "candidate"}),
        ("copy-config", {"source": f"<source>{XR_CLI}</source>", "target": "candidate"}),
        ("get-cli-config-diff", {}),
        ("commit", {"confirmed": True, "timeout": "120", "persist": XR_TOKEN}),
        ("unlock", {"target": "candidate"}),
    ]
    assert first.script.done() and first.closed

    confirming = xr_driver()  # a new connection knows the token from the hostname alone
    confirming.open()
    assert not confirming.has_pending_commit()  # no documented query: it knows of none
    confirming.confirm_commit()
    confirming.close()
    second = devices.managers[1]
    assert second.script.calls == [XR_OPENED, ("commit", {"persist_id": XR_TOKEN})]
    assert second.script.done()
    assert [d["port"] for d in devices.opened] == [830, 830]


def test_xr_rollback_during_a_pending_commit_cancels_it_by_token(xr_devices: Any) -> None:
    devices = xr_devices(
        script(XR_OPEN, ("lock", OK), ("copy-config", OK), ("commit", OK), ("unlock", OK)),
        script(XR_OPEN, ("cancel-commit", OK)),
    )
    pushing = xr_driver()
    pushing.open()
    pushing.load_replace_candidate(config=XR_CONFIG)
    pushing.commit_config(revert_in=300)
    pushing.close()
    fresh = xr_driver()
    fresh.open()
    fresh.rollback()
    assert devices.managers[1].script.calls == [
        XR_OPENED,
        ("cancel-commit", {"persist_id": XR_TOKEN}),
    ]


def test_xr_confirm_or_rollback_after_the_timer_expired_fails_and_changes_nothing(
    xr_devices: Any,
) -> None:
    refused = "drivers/netconf_invalid_persist_id.xml"
    devices = xr_devices(script(XR_OPEN, ("commit", refused), ("cancel-commit", refused)))
    late = xr_driver()
    late.open()
    with pytest.raises(CommitConfirmException, match="reverted by its timer, or already"):
        late.confirm_commit()
    with pytest.raises(CommitConfirmException, match="nothing rolled back"):
        late.rollback()  # never roll-back-configuration-last: that would undo the revert
    assert [op for op, _ in devices.managers[0].script.calls] == [
        "get",
        "commit",
        "cancel-commit",
    ]


def test_xr_own_options_choose_the_token_and_never_reach_ncclient(xr_devices: Any) -> None:
    devices = xr_devices(script(XR_OPEN, ("commit", OK)))
    options = {"config_encoding": "cli", "commit_token": "change-4711", "cli_port": 2222}
    driver = IOSXRDriver(XR_HOST, "noc-writer", "secret", optional_args=options)
    driver.open()
    driver.confirm_commit()
    assert devices.managers[0].script.calls[-1] == ("commit", {"persist_id": "change-4711"})
    assert driver.cli_port == 2222
    assert not {"commit_token", "cli_port", "config_encoding"} & set(devices.opened[0])
    assert options["commit_token"] == "change-4711"  # the caller's dict is left alone


def test_xr_rollback_of_a_plain_commit_uses_the_rollback_rpc(xr_devices: Any) -> None:
    devices = xr_devices(
        script(
            XR_OPEN,
            ("lock", OK),
            ("copy-config", OK),
            ("commit", OK),
            ("unlock", OK),
            ("roll-back-configuration-last", OK),
        )
    )
    driver = xr_driver()
    driver.open()
    driver.load_replace_candidate(config=XR_CONFIG)
    driver.commit_config()
    assert not driver.has_pending_commit()
    driver.rollback()
    calls = devices.managers[0].script.calls
    assert calls[3] == ("commit", {})
    assert calls[-1] == ("roll-back-configuration-last", {})


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("drivers/iosxr_commit_failed.xml", r"refused: .*pseudo-atomic.*\(candidate discarded\)"),
        (NO_ANSWER, r"no answer to the commit .*may have been applied.*\(candidate discarded\)"),
    ],
)
def test_xr_a_failed_commit_raises_commit_error_and_discards_the_candidate(
    xr_devices: Any, reply: str, why: str
) -> None:
    devices = xr_devices(
        script(
            XR_OPEN,
            ("lock", OK),
            ("copy-config", OK),
            ("commit", reply),
            ("discard-changes", OK),
            ("unlock", OK),
        )
    )
    driver = xr_driver()
    driver.open()
    driver.load_replace_candidate(config=XR_CONFIG)
    with pytest.raises(CommitError, match=why):
        driver.commit_config(revert_in=120)
    assert devices.managers[0].script.done()
    assert not driver.has_pending_commit()
    assert not driver.locked


@pytest.mark.parametrize("revert_in", [0, 29, 301])
def test_xr_a_timer_outside_the_documented_range_is_refused_before_committing(
    xr_devices: Any, revert_in: int
) -> None:
    devices = xr_devices(
        script(XR_OPEN, ("lock", OK), ("copy-config", OK), ("discard-changes", OK), ("unlock", OK))
    )
    driver = xr_driver()
    driver.open()
    driver.load_replace_candidate(config=XR_CONFIG)
    with pytest.raises(CommitConfirmException, match=r"30\.\.300 s"):
        driver.commit_config(revert_in=revert_in)
    assert "commit" not in [op for op, _ in devices.managers[0].script.calls]


def test_xr_an_agent_without_confirmed_commit_1_1_is_refused(xr_devices: Any) -> None:
    capabilities = [c for c in XR_CAPABILITIES if "confirmed-commit" not in c]
    devices = xr_devices(
        script(XR_OPEN, ("lock", OK), ("copy-config", OK)), capabilities=capabilities
    )
    driver = xr_driver()
    driver.open()
    driver.load_replace_candidate(config=XR_CONFIG)
    with pytest.raises(CommitConfirmException, match=r"confirmed-commit:1\.1"):
        driver.commit_config(revert_in=120)
    assert "commit" not in [op for op, _ in devices.managers[0].script.calls]


def test_xr_cli_reads_show_commands_over_ssh_and_raises_on_a_refused_one(
    xr_devices: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    xr_devices(script(XR_OPEN))
    session = ReplayCli(
        {
            "show isis neighbors": "device_cli/iosxr_show_isis_neighbors.txt",
            "show bgp vpnv4 unicast summary": "bgp_cli/iosxr_show_bgp_vpnv4_unicast_summary.txt",
            "show segment-routing srv6 locatr": "drivers/iosxr_show_refused.txt",
        }
    )
    connected: list[dict[str, Any]] = []

    def connect(**parameters: Any) -> ReplayCli:
        connected.append(parameters)
        return session

    monkeypatch.setattr(xr_module, "ConnectHandler", connect)
    driver = xr_driver()
    driver.open()
    answers = driver.cli(["show isis neighbors", "show bgp vpnv4 unicast summary"])
    assert (
        answers["show isis neighbors"]
        == (REFERENCE / "tests/data/device_cli/iosxr_show_isis_neighbors.txt").read_text()
    )
    assert "dg-humen       Te0/0/1/1" in answers["show isis neighbors"]
    with pytest.raises(CommandErrorException, match="% Invalid input detected"):
        driver.cli(["show segment-routing srv6 locatr"])
    driver.close()
    assert session.disconnected
    assert connected == [
        {
            "device_type": "cisco_xr",
            "host": XR_HOST,
            "username": "noc-writer",
            "password": "secret",
            "port": 22,
            "timeout": 60,
        }
    ]  # one SSH session for every command, opened on first use


# --- Junos

JUNOS_HOST = "10.199.0.9"
JUNOS_CONFIG = "system {\n    host-name dg-jn;\n}\n"


@pytest.fixture
def junos_devices(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Patch ncclient's connect as PyEZ's Device.open calls it."""
    from jnpr.junos import device  # type: ignore[import-untyped]

    def install(*scripts: Script) -> list[ReplayJunosConnection]:
        connections = [ReplayJunosConnection(s) for s in scripts]
        handed = iter(connections)
        monkeypatch.setattr(device.netconf_ssh, "connect", lambda **_: next(handed))
        return connections

    return install


def junos_driver() -> JunosDriver:
    return JunosDriver(JUNOS_HOST, "noc-writer", "secret")


LOCK = ("lock-configuration", "drivers/junos_ok.xml")
UNLOCK = ("unlock-configuration", "drivers/junos_ok.xml")
PENDING = ("get-commit-revision-information", "drivers/junos_commit_revision_pending.xml")
CONFIRMED = ("get-commit-revision-information", "drivers/junos_commit_revision_confirmed.xml")
UPTIME = ("get-system-uptime-information", "drivers/junos_system_uptime.xml")
SAME = ("get-configuration", "drivers/junos_compare_rollback_same.xml")
COMMITTED = ("commit-configuration", "drivers/junos_commit_success.xml")


def operations(connection: ReplayJunosConnection) -> list[str]:
    return [op for op, _ in connection.script.calls]


def test_junos_override_commit_confirmed_in_minutes_then_confirm_over_a_fresh_connection(
    junos_devices: Any,
) -> None:
    pushing_conn, confirming_conn = junos_devices(
        script(
            LOCK,
            ("load-configuration", "drivers/junos_load_success.xml"),
            ("get-configuration", "drivers/junos_compare_rollback_diff.xml"),
            ("commit-configuration", "drivers/junos_commit_confirmed_success.xml"),
            UNLOCK,
        ),
        script(LOCK, PENDING, UPTIME, SAME, COMMITTED, UNLOCK),
    )
    pushing = junos_driver()
    pushing.open()
    pushing.load_replace_candidate(config=JUNOS_CONFIG)
    diff = pushing.compare_config()
    pushing.commit_config(revert_in=300)
    pushing.close()
    assert diff == "[edit system services]\n-    telnet;\n[edit interfaces et-0/0/0]\n-   disable;"
    calls = pushing_conn.script.calls
    assert calls[1] == (
        "load-configuration",
        {
            "attributes": {"action": "override", "format": "text"},
            "children": ["configuration-text"],
        },
    )
    assert calls[3] == (
        "commit-configuration",
        {"attributes": {}, "children": ["confirmed", "confirm-timeout"]},
    )
    assert pushing_conn.script.done() and not pushing_conn.connected

    confirming = junos_driver()
    confirming.open()
    confirming.confirm_commit()
    assert operations(confirming_conn) == [
        "lock-configuration",
        "get-commit-revision-information",
        "get-system-uptime-information",
        "get-configuration",
        "commit-configuration",
        "unlock-configuration",
    ]
    assert confirming_conn.script.calls[4][1]["children"] == []  # a plain commit confirms


def test_junos_confirm_timeout_is_sent_in_minutes(junos_devices: Any) -> None:
    (conn,) = junos_devices(
        script(
            LOCK,
            ("load-configuration", "drivers/junos_load_success.xml"),
            ("commit-configuration", "drivers/junos_commit_confirmed_success.xml"),
            UNLOCK,
        )
    )
    driver = junos_driver()
    driver.open()
    driver.load_replace_candidate(config=JUNOS_CONFIG)
    sent: list[Any] = []
    original = conn.rpc

    def keep(rpc_command: Any, filter_xml: Any = None) -> Any:
        sent.append(rpc_command.findtext("confirm-timeout"))
        return original(rpc_command, filter_xml)

    conn.rpc = keep  # type: ignore[method-assign]
    driver.commit_config(revert_in=300)
    assert sent == ["5", None]  # commit-configuration, then unlock-configuration


def test_junos_rollback_during_a_pending_commit_loads_rollback_1_and_commits(
    junos_devices: Any,
) -> None:
    (conn,) = junos_devices(
        script(
            LOCK,
            PENDING,
            UPTIME,
            ("load-configuration", "drivers/junos_load_success.xml"),
            COMMITTED,
            UNLOCK,
        )
    )
    fresh = junos_driver()
    fresh.open()
    assert fresh.has_pending_commit.__func__ is JunosDriver.has_pending_commit  # the stock one
    fresh.rollback()
    assert conn.script.calls[3] == (
        "load-configuration",
        {"attributes": {"compare": "rollback", "rollback": "1"}, "children": []},
    )
    assert conn.script.done()


def test_junos_after_the_timer_expired_confirm_and_rollback_refuse(junos_devices: Any) -> None:
    (conn,) = junos_devices(script(LOCK, CONFIRMED, UNLOCK, LOCK, CONFIRMED, UNLOCK))
    late = junos_driver()
    late.open()
    with pytest.raises(CommitConfirmException, match="no commit confirmed pending"):
        late.confirm_commit()  # a plain commit now would confirm nothing and report success
    with pytest.raises(CommitConfirmException, match="nothing rolled back"):
        late.rollback()  # rollback 1 would now re-apply the change the timer removed
    assert "commit-configuration" not in operations(conn)
    assert "load-configuration" not in operations(conn)


def test_junos_confirm_refuses_to_commit_another_sessions_edits(junos_devices: Any) -> None:
    (conn,) = junos_devices(
        script(
            LOCK,
            PENDING,
            UPTIME,
            ("get-configuration", "drivers/junos_compare_rollback_diff.xml"),
            UNLOCK,
        )
    )
    driver = junos_driver()
    driver.open()
    with pytest.raises(CommitConfirmException, match="uncommitted changes of another"):
        driver.confirm_commit()
    assert conn.script.done()


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("drivers/junos_commit_failed.xml", r"refused: .*configuration check-out failed"),
        (NO_ANSWER, r"no answer to the commit .*may have been applied"),
    ],
)
def test_junos_a_failed_commit_raises_commit_error_and_discards_the_candidate(
    junos_devices: Any, reply: str, why: str
) -> None:
    (conn,) = junos_devices(
        script(
            LOCK,
            ("load-configuration", "drivers/junos_load_success.xml"),
            ("commit-configuration", reply),
            ("load-configuration", "drivers/junos_load_success.xml"),
            UNLOCK,
        )
    )
    driver = junos_driver()
    driver.open()
    driver.load_replace_candidate(config=JUNOS_CONFIG)
    with pytest.raises(CommitError, match=why):
        driver.commit_config(revert_in=600)
    assert conn.script.calls[3][1]["attributes"] == {"compare": "rollback", "rollback": "0"}
    assert conn.script.done()


@pytest.mark.parametrize(
    ("message", "revert_in", "why"),
    [
        ("", 0, "whole minutes"),  # PyEZ would send 0 as a plain, unconfirmed commit
        ("", 30, "whole minutes"),
        ("", 90, "whole minutes"),
        ("govnet push", 300, "takes no message"),  # it would hide the pending commit
    ],
)
def test_junos_a_confirmed_commit_it_cannot_track_is_refused(
    junos_devices: Any, message: str, revert_in: int, why: str
) -> None:
    (conn,) = junos_devices(
        script(
            LOCK,
            ("load-configuration", "drivers/junos_load_success.xml"),
            ("load-configuration", "drivers/junos_load_success.xml"),
            UNLOCK,
        )
    )
    driver = junos_driver()
    driver.open()
    driver.load_replace_candidate(config=JUNOS_CONFIG)
    with pytest.raises(CommitConfirmException, match=why):
        driver.commit_config(message=message, revert_in=revert_in)
    assert "commit-configuration" not in operations(conn)
    assert conn.script.done()  # the candidate discarded (rollback 0) and unlocked


# --- the connection plugin


def test_register_makes_the_plugin_known_to_nornir(monkeypatch: pytest.MonkeyPatch) -> None:
    from nornir.core.plugins.connections import ConnectionPluginRegister

    monkeypatch.setattr(ConnectionPluginRegister, "available", {})
    plugin.register()
    assert ConnectionPluginRegister.available == {DEVICE_CONNECTION: GovnetNapalm}
    assert DEVICE_CONNECTION == "govnet_napalm"


def test_the_plugin_opens_govnets_driver_per_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Any] = []
    for cls in (IOSXRDriver, JunosDriver, HuaweiVRPDriver):
        monkeypatch.setattr(cls, "open", lambda self: opened.append(self))
    expected = {"iosxr": IOSXRDriver, "junos": JunosDriver, "huawei_vrp": HuaweiVRPDriver}
    for platform, cls in expected.items():
        connection = GovnetNapalm()
        connection.open("10.199.0.1", "u", "p", 22, platform)
        assert type(connection.connection) is cls
    assert len(opened) == 3


def test_the_plugin_reaches_each_platform_with_the_reference_connection_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVNET_USERNAME", "noc-writer")
    monkeypatch.setenv("GOVNET_PASSWORD", "from-the-environment-only")
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory/hosts.yaml").write_text(
        "dg-xr:\n  hostname: 10.199.9.2\n  platform: iosxr\n  groups: [iosxr]\n"
        "dg-jn:\n  hostname: 10.199.9.3\n  platform: junos\n  groups: [junos]\n"
    )
    for name in ("groups.yaml", "defaults.yaml"):
        shutil.copy(REFERENCE / "inventory" / name, tmp_path / "inventory" / name)
    opened: dict[str, Any] = {}
    for cls in (IOSXRDriver, JunosDriver):
        monkeypatch.setattr(cls, "open", lambda self: opened.__setitem__(self.hostname, self))
    nornir = build_nornir(tmp_path, None)
    for host in nornir.inventory.hosts.values():
        host.get_connection(DEVICE_CONNECTION, nornir.config)
    xr, jn = opened["10.199.9.2"], opened["10.199.9.3"]
    assert type(xr) is IOSXRDriver and type(jn) is JunosDriver
    assert (xr.port, xr.config_encoding, xr.cli_port, xr.commit_token) == (
        830,
        "cli",
        22,
        "govnet-10.199.9.2",
    )
    assert (xr.username, xr.password) == ("noc-writer", "from-the-environment-only")
    assert jn.port == 22


# --- platform facts


@pytest.mark.parametrize(
    ("platform", "wanted", "asked"),
    [
        (Platform.JUNOS, 60, 60),
        (Platform.JUNOS, 61, 120),
        (Platform.JUNOS, 300, 300),
        (Platform.IOSXR, 120, 120),
        (Platform.HUAWEI_VRP, 600, 600),
    ],
)
def test_confirm_timeout_rounds_up_to_the_platforms_unit(
    platform: Platform, wanted: int, asked: int
) -> None:
    assert confirm_timeout(platform, wanted) == asked


@pytest.mark.parametrize(
    ("platform", "wanted"),
    [(Platform.IOSXR, 301), (Platform.IOSXR, 10), (Platform.HUAWEI_VRP, 59), (Platform.JUNOS, 0)],
)
def test_confirm_timeout_refuses_what_the_platform_cannot_take(
    platform: Platform, wanted: int
) -> None:
    with pytest.raises(ValueError, match="commit-confirm timer"):
        confirm_timeout(platform, wanted)
