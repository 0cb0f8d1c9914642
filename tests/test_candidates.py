"""What each driver is handed: the mini design's rendered configs with their secrets resolved
for the device, as golden files named by how the platform loads them (``replace``: the whole
device; ``merge``: added to the running config, every "off" state rendered explicitly).

`UPDATE_GOLDEN=1 pytest tests/test_candidates.py` rewrites them; review the diff."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from passlib.hash import cisco_type7, sha512_crypt  # type: ignore[import-untyped]

from govnet.design import load_design
from govnet.inventory.rollout import loads_as_replace
from govnet.inventory.secrets import resolve_secrets
from govnet.templates.render import render_design
from govnet.topology.graph import build_graph
from tests.conftest import check_golden

MINI = Path(__file__).parent / "designs" / "mini"
GOLDEN = Path(__file__).parent / "golden" / "mini-candidates"
# Test values only: what an engineer's environment would hold at push time.
ENVIRONMENT = {
    "GOVNET_LOCAL_ADMIN_PASSWORD": "Break-Glass-2026!",
    "GOVNET_NTP_KEY_MD5": "ntp-md5-test-key",
    "GOVNET_NTP_KEY_SHA256": "ntp-sha256-test-key",
    "GOVNET_SNMP_AUTH_KEY": "snmp-auth-test-key",
    "GOVNET_SNMP_PRIV_KEY": "snmp-priv-test-key",
    "GOVNET_TACACS_KEY": "tacacs-test-key",
}
LOADED_AS = {"huawei_vrp": "merge", "iosxr": "replace", "junos": "replace"}


@pytest.fixture(scope="module")
def candidates() -> dict[Path, str]:
    design = load_design(MINI)
    rendered = render_design(design, build_graph(design), sorted(design.hosts))
    return {
        Path(config.platform)
        / f"{config.hostname}.{LOADED_AS[config.platform]}.cfg": resolve_secrets(
            config.text, ENVIRONMENT, host=config.hostname
        )
        for config in rendered
    }


def test_each_platform_loads_as_documented() -> None:
    """Junos `load override` and IOS-XR `copy-config` take the whole device; VRP8 replaces only
    from a file on the device, so its candidate is merged."""
    assert {p: "replace" if loads_as_replace(p) else "merge" for p in LOADED_AS} == LOADED_AS


def test_golden_candidates(candidates: dict[Path, str]) -> None:
    check_golden(GOLDEN, candidates)
    assert {p.parts[0] for p in candidates} == set(LOADED_AS)


def test_every_secret_field_holds_the_form_its_platform_wants(
    candidates: dict[Path, str],
) -> None:
    password = ENVIRONMENT["GOVNET_LOCAL_ADMIN_PASSWORD"]
    tacacs = ENVIRONMENT["GOVNET_TACACS_KEY"]
    for path, text in candidates.items():
        assert "%SECRET(" not in text, path
        platform = path.parts[0]
        if platform == "iosxr":
            secret = re.search(r"^ secret 10 (\S+)$", text, re.MULTILINE)
            key = re.search(r"^ key 7 (\S+)$", text, re.MULTILINE)
            assert secret and sha512_crypt.verify(password, secret[1]), path
            assert key and cisco_type7.decode(key[1]) == tacacs, path
        elif platform == "junos":
            hashed = re.search(r'encrypted-password "(\S+)";', text)
            assert hashed and sha512_crypt.verify(password, hashed[1]), path
            assert f'secret "{tacacs}";' in text, path
        else:
            assert f"password irreversible-cipher {password}" in text, path
            assert f"shared-key cipher {tacacs}" in text, path


def test_a_second_resolution_is_byte_identical(candidates: dict[Path, str]) -> None:
    """Stable hashes: pushing the same design twice shows no changed password line."""
    design = load_design(MINI)
    rendered = render_design(design, build_graph(design), sorted(design.hosts))
    again = {
        config.hostname: resolve_secrets(config.text, ENVIRONMENT, host=config.hostname)
        for config in rendered
    }
    assert {p.name.split(".")[0]: t for p, t in candidates.items()} == again
