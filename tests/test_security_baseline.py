"""The security baseline of issue 13 on Huawei VRP, Cisco IOS-XR and Juniper Junos.

What the vendors document (templates/<platform>/SOURCES.md, "security baseline"), held against
the rendered configs of the mini and reference designs:

- SSH (GB/T 22239-2019 8.1.4.1 d): every cipher, MAC and key exchange rendered is a keyword the
  platform documents and one of its strong ones, and the push's own SSH client (paramiko, under
  Netmiko, ncclient and PyEZ) still shares one algorithm of each kind with the device;
- local passwords (8.1.4.1 a): length, character classes, expiry and history as the design says;
- nobody is locked out: every login path (VTY/SSH and console) falls back to the local users when
  TACACS+ does not answer, a local admin exists on every device, VRP lets a login through when
  accounting cannot start, the console of XR authenticates locally;
- SNMPv3: Junos keeps one engine ID per device across a routing-engine switchover;
- bad values of the new design fields are refused with file, line and field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
from typer.testing import CliRunner

from govnet.cli import app
from govnet.design import Design, load_design
from govnet.templates.build import build_intents
from govnet.templates.features import load_features
from govnet.templates.intent import DeviceIntent
from govnet.templates.render import render_all, template_dirs
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE, copy_design, line_of, load_errors, replace_in
from tests.test_bad_input import check
from tests.test_structure_junos import Block, parse

MINI = Path(__file__).parent / "designs" / "mini"
MANAGEMENT = "topology/management.yaml"

Rendered = dict[str, tuple[DeviceIntent, str]]


def render(root: Path) -> Rendered:
    design: Design = load_design(root)
    intents = build_intents(design, build_graph(design))
    configs = render_all(root, intents, load_features(template_dirs(root)))
    return {c.hostname: (intents[c.hostname], c.text) for c in configs}


@pytest.fixture(scope="module", params=["mini", "reference"])
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return render(MINI if request.param == "mini" else REFERENCE)


def each(rendered: Rendered, platform: str) -> Iterator[tuple[str, DeviceIntent, str]]:
    found = [(n, i, t) for n, (i, t) in sorted(rendered.items()) if i.platform == platform]
    assert found, f"no {platform} device rendered"
    yield from found


def only(lines: list[str], pattern: str) -> re.Match[str]:
    """The one line matching ``pattern`` (whole line)."""
    hits = [m for line in lines if (m := re.fullmatch(pattern, line))]
    assert len(hits) == 1, (pattern, hits)
    return hits[0]


def vrp_view(text: str, header: str) -> list[str]:
    """The lines of the top-level VRP view ``header`` (indentation kept)."""
    lines = text.splitlines()
    start = lines.index(header)
    view = []
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        view.append(line)
    return view


def xr_block(text: str, header: str) -> list[str]:
    """The lines of the IOS-XR block ``header``, up to its closing ``!``, stripped."""
    lines = text.splitlines()
    start = lines.index(header)
    block = []
    for line in lines[start + 1 :]:
        if line == "!":
            break
        block.append(line.strip())
    return block


def junos_system(text: str) -> Block:
    return parse(text)["system"]


# --- SSH algorithms: documented keywords, strong ones only, and the push still connects -------

# Per platform and kind: every keyword the vendor documents for the statement, the strong ones
# among them, and the IANA name the SSH protocol (and paramiko) uses for each strong one.
VRP_SSH = {  # NetEngine 8000 F1A command reference, ssh server cipher / hmac / key-exchange
    "cipher": (
        "des_cbc 3des_cbc aes128_cbc aes192_cbc aes256_cbc aes128_ctr aes192_ctr aes256_ctr "
        "arcfour128 arcfour256 blowfish_cbc aes128_gcm aes256_gcm",
        {
            "aes128_ctr": "aes128-ctr",
            "aes192_ctr": "aes192-ctr",
            "aes256_ctr": "aes256-ctr",
            "aes128_gcm": "aes128-gcm@openssh.com",
            "aes256_gcm": "aes256-gcm@openssh.com",
        },
    ),
    "hmac": (
        "md5 md5_96 sha1 sha1_96 sha2_256 sha2_256_96 sha2_512",
        {"sha2_256": "hmac-sha2-256", "sha2_512": "hmac-sha2-512"},
    ),
    "key-exchange": (
        "dh_group_exchange_sha256 dh_group_exchange_sha1 dh_group1_sha1 ecdh_sha2_nistp256 "
        "ecdh_sha2_nistp384 ecdh_sha2_nistp521 sm2_kep dh_group14_sha1 dh_group16_sha512",
        {
            "dh_group_exchange_sha256": "diffie-hellman-group-exchange-sha256",
            "dh_group16_sha512": "diffie-hellman-group16-sha512",
            "ecdh_sha2_nistp256": "ecdh-sha2-nistp256",
            "ecdh_sha2_nistp384": "ecdh-sha2-nistp384",
            "ecdh_sha2_nistp521": "ecdh-sha2-nistp521",
        },
    ),
}
# XR and Junos take the IANA names themselves: AES in counter and Galois/counter mode
STRONG_CIPHERS = {
    name: name
    for name in [
        "aes128-ctr",
        "aes192-ctr",
        "aes256-ctr",
        "aes128-gcm@openssh.com",
        "aes256-gcm@openssh.com",
    ]
}
XR_SSH = {  # IOS-XR ssh server algorithms cipher / key-exchange (IANA names)
    "cipher": (
        "aes128-ctr aes192-ctr aes256-ctr aes128-gcm@openssh.com aes256-gcm@openssh.com "
        "aes128-cbc aes192-cbc aes256-cbc 3des-cbc chacha20-poly1305@openssh.com",
        STRONG_CIPHERS,
    ),
    "key-exchange": (
        "ecdh-sha2-nistp256 ecdh-sha2-nistp384 ecdh-sha2-nistp521 diffie-hellman-group1-sha1 "
        "diffie-hellman-group14-sha1 diffie-hellman-group14-sha256 diffie-hellman-group16-sha512 "
        "curve25519-sha256 curve25519-sha256@libssh.org",
        {
            name: name
            for name in [
                "ecdh-sha2-nistp256",
                "ecdh-sha2-nistp384",
                "ecdh-sha2-nistp521",
                "diffie-hellman-group16-sha512",
            ]
        },
    ),
}
XR_HMACS = {"hmac-sha1": None, "hmac-sha2-256": "hmac-sha2-256", "hmac-sha2-512": "hmac-sha2-512"}
JUNOS_SSH = {  # Junos ssh (System Services): ciphers, macs, key-exchange
    "ciphers": (
        "3des-cbc aes128-cbc aes192-cbc aes256-cbc aes128-ctr aes192-ctr aes256-ctr "
        "aes128-gcm@openssh.com aes256-gcm@openssh.com arcfour arcfour128 arcfour256 "
        "blowfish-cbc cast128-cbc chacha20-poly1305@openssh.com",
        STRONG_CIPHERS,
    ),
    "macs": (
        "hmac-md5 hmac-md5-96 hmac-ripemd160 hmac-sha1 hmac-sha1-96 hmac-sha2-256 hmac-sha2-512 "
        "umac-64 umac-128",
        {"hmac-sha2-256": "hmac-sha2-256", "hmac-sha2-512": "hmac-sha2-512"},
    ),
    "key-exchange": (
        "dh-group1-sha1 dh-group14-sha1 group-exchange-sha1 group-exchange-sha2 "
        "ecdh-sha2-nistp256 ecdh-sha2-nistp384 ecdh-sha2-nistp521",
        {
            "group-exchange-sha2": "diffie-hellman-group-exchange-sha256",
            "ecdh-sha2-nistp256": "ecdh-sha2-nistp256",
            "ecdh-sha2-nistp384": "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521": "ecdh-sha2-nistp521",
        },
    ),
}

# What the push's SSH client offers (paramiko's Transport preferences, per kind)
CLIENT = {
    "cipher": set(paramiko.Transport._preferred_ciphers),
    "mac": set(paramiko.Transport._preferred_macs),
    "kex": set(paramiko.Transport._preferred_kex),
}
KIND = {
    "cipher": "cipher",
    "ciphers": "cipher",
    "hmac": "mac",
    "macs": "mac",
    "key-exchange": "kex",
}


def check_algorithms(
    host: str, rendered: dict[str, list[str]], table: dict[str, tuple[str, dict[str, str]]]
) -> None:
    for statement, (documented, strong) in table.items():
        names = rendered[statement]
        assert names, (host, statement, "empty list")
        assert set(strong) <= set(documented.split()), statement  # the table itself
        assert set(names) <= set(documented.split()), (host, statement, names)
        weak = [n for n in names if n not in strong]
        assert not weak, (host, statement, weak)
        agreed = {strong[n] for n in names} & CLIENT[KIND[statement]]
        assert agreed, (host, statement, "the push's SSH client shares none of", names)


def listed(
    lines: list[str], prefix: str, table: dict[str, tuple[str, dict[str, str]]]
) -> dict[str, list[str]]:
    """The algorithms of each one-line statement ``prefix STATEMENT a b c``."""
    return {s: only(lines, rf"{prefix} {s} (.+)").group(1).split() for s in table}


def test_vrp_ssh_algorithms_are_documented_strong_and_reachable(rendered: Rendered) -> None:
    for host, _intent, text in each(rendered, "huawei_vrp"):
        check_algorithms(host, listed(text.splitlines(), "ssh server", VRP_SSH), VRP_SSH)


def test_xr_ssh_algorithms_are_documented_strong_and_reachable(rendered: Rendered) -> None:
    for host, _intent, text in each(rendered, "iosxr"):
        lines = text.splitlines()
        check_algorithms(host, listed(lines, "ssh server algorithms", XR_SSH), XR_SSH)
        disabled = {
            m.group(1)
            for line in lines
            if (m := re.fullmatch(r"ssh server disable hmac (\S+)", line))
        }
        assert disabled <= set(XR_HMACS), (host, disabled)
        left = {XR_HMACS[name] for name in set(XR_HMACS) - disabled}
        assert None not in left, (host, "HMAC-SHA1 is still offered")
        assert left & CLIENT["mac"], host
        assert not any(line.startswith("ssh server enable cipher") for line in lines), host


def test_junos_ssh_algorithms_are_documented_strong_and_reachable(rendered: Rendered) -> None:
    for host, _intent, text in each(rendered, "junos"):
        ssh = junos_system(text)["services"]["ssh"]
        found = {}
        for statement in JUNOS_SSH:
            (value,) = ssh.values(statement)
            assert value.startswith("[ ") and value.endswith(" ]"), (host, value)
            found[statement] = value[2:-2].split()
        check_algorithms(host, found, JUNOS_SSH)
        assert ssh.values("hostkey-algorithm") == ["no-ssh-dss"], host
        assert ssh.values("protocol-version") == ["v2"], host


# --- local password policy: the design's values on every platform -----------------------------


def expected_policy(rendered: Rendered) -> tuple[int, int, int, int]:
    management = next(i.management for i, _ in rendered.values() if i.management is not None)
    p = management.passwords
    return p.min_length, p.character_classes, p.expiry_days, p.history


def test_password_policy_everywhere(rendered: Rendered) -> None:
    check_password_policy(rendered)


def test_password_policy_follows_the_design(tmp_path: Path) -> None:
    root = copy_design(MINI, tmp_path / "mini")
    management = root / MANAGEMENT
    for old, new in [
        ("  min_length: 8", "  min_length: 12"),
        ("  character_classes: 3 ", "  character_classes: 4 "),
        ("  expiry_days: 90", "  expiry_days: 180"),
        ("  history: 5 ", "  history: 10 "),
    ]:
        replace_in(management, old, new)
    rendered = render(root)
    assert expected_policy(rendered) == (12, 4, 180, 10)
    check_password_policy(rendered)


def check_password_policy(rendered: Rendered) -> None:
    min_length, classes, expiry, history = expected_policy(rendered)
    for host, _intent, text in each(rendered, "huawei_vrp"):
        aaa = vrp_view(text, "aaa")
        start = aaa.index(" local-aaa-user password policy administrator")
        assert aaa[start + 1 : start + 3] == [
            f"  password history record number {history}",
            f"  password expire {expiry}",
        ], host
    for host, _intent, text in each(rendered, "iosxr"):
        policy = xr_block(text, "aaa password-policy GOVNET-LOGIN")
        wanted = [f"min-length {min_length}", "upper-case 1", "lower-case 1", "numeric 1"]
        wanted += ["special-char 1"] if classes == 4 else []
        wanted += [f"lifetime days {expiry}"]
        assert policy[: len(wanted)] == wanted, host
        assert not any(line.startswith("special-char") for line in policy[len(wanted) :]), host
        users = [line for line in text.splitlines() if line.startswith("username ")]
        assert users, host
        for user in users:  # the policy binds only the users that name it
            assert "policy GOVNET-LOGIN" in xr_block(text, user), (host, user)
    for host, _intent, text in each(rendered, "junos"):
        password = junos_system(text)["login"]["password"]
        assert password.leaves == [
            f"minimum-length {min_length}",
            "change-type character-sets",
            f"minimum-changes {classes}",
            f"minimum-reuse {history}",  # maximum-lifetime commits only with minimum-reuse
            f"maximum-lifetime {expiry}",
        ], host


# --- no lock-out: every login path falls back to the local users ------------------------------


def without_tacacs(tmp_path: Path) -> Rendered:
    root = copy_design(MINI, tmp_path / "mini")
    management = root / MANAGEMENT
    replace_in(management, "  tacacs_servers: [10.199.255.11, 10.199.255.12]\n", "")
    replace_in(management, '  tacacs_key: {ref: "env:GOVNET_TACACS_KEY"}\n', "")
    return render(root)


@pytest.fixture(scope="module")
def no_tacacs(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return without_tacacs(tmp_path_factory.mktemp("no-tacacs"))


def check_vrp_fallback(rendered: Rendered, tacacs: bool) -> None:
    for host, _intent, text in each(rendered, "huawei_vrp"):
        aaa = vrp_view(text, "aaa")
        domain = aaa[aaa.index(" domain default_admin") + 1 :]
        scheme = only(domain, r"  authentication-scheme (\S+)").group(1)
        mode = aaa[aaa.index(f" authentication-scheme {scheme}") + 1]
        assert mode == (
            "  authentication-mode hwtacacs local" if tacacs else "  authentication-mode local"
        ), host
        authorization = only(domain, r"  authorization-scheme (\S+)").group(1)
        mode = aaa[aaa.index(f" authorization-scheme {authorization}") + 1]
        assert mode.endswith(" local"), (host, mode)
        accounting = [n for n, line in enumerate(aaa) if line == "  accounting-mode hwtacacs"]
        for n in accounting:  # a login whose accounting cannot start is let through
            assert "  accounting start-fail online" in aaa[n + 1 : n + 3], host
        assert bool(accounting) == tacacs, host
        admins = [
            m.group(1)
            for line in aaa
            if (m := re.fullmatch(r" local-user (\S+) (?:level 3|privilege level 15)", line))
        ]
        assert admins, (host, "no local administrator")
        for user in admins:  # terminal: the console; ssh: the VTY lines
            service = only(aaa, rf" local-user {re.escape(user)} service-type (.+)").group(1)
            assert {"terminal", "ssh"} <= set(service.split()), (host, user, service)
        for line_view in ("user-interface vty 0 4", "user-interface console 0"):
            assert " authentication-mode aaa" in vrp_view(text, line_view), (host, line_view)


def check_xr_fallback(rendered: Rendered, tacacs: bool) -> None:
    for host, _intent, text in each(rendered, "iosxr"):
        lines = text.splitlines()
        for service in ("authentication login", "authorization exec"):
            default = only(lines, rf"aaa {service} default (.+)").group(1)
            assert default == ("group GOVNET-TACACS local" if tacacs else "local"), (host, service)
        console = xr_block(text, "line console")
        listed = only(console, r"login authentication (\S+)").group(1)
        assert only(lines, rf"aaa authentication login {listed} (.+)").group(1) == "local", host
        authorized = only(console, r"authorization exec (\S+)").group(1)
        assert only(lines, rf"aaa authorization exec {authorized} (.+)").group(1) == "local", host
        vty = xr_block(text, "line default")  # the VTY lines take the default lists
        assert not any(line.startswith(("login authentication", "authorization")) for line in vty)
        admins = [line for line in lines if line.startswith("username ")]
        assert any("group root-lr" in xr_block(text, u) for u in admins), (host, "no local admin")


def check_junos_fallback(rendered: Rendered, tacacs: bool) -> None:
    for host, _intent, text in each(rendered, "junos"):
        system = junos_system(text)
        order = system.values("authentication-order")
        # Junos tries the local password when no server answers, and after a reject only when
        # `password` ends the order; without the statement only local passwords are used
        assert order == (["[ tacplus password ]"] if tacacs else []), host
        users = system["login"].named("user")
        admins = [u for u, b in users.items() if b.values("class") == ["GOVNET-ADMIN"]]
        assert admins, host
        for user in admins:
            assert users[user]["authentication"].values("encrypted-password"), (host, user)
        assert "ports" not in system.children, host  # the console is not restricted


FALLBACK_CHECKS = {
    "huawei_vrp": check_vrp_fallback,
    "iosxr": check_xr_fallback,
    "junos": check_junos_fallback,
}


@pytest.mark.parametrize("platform", FALLBACK_CHECKS)
def test_every_login_path_falls_back_to_local(rendered: Rendered, platform: str) -> None:
    FALLBACK_CHECKS[platform](rendered, tacacs=True)


@pytest.mark.parametrize("platform", FALLBACK_CHECKS)
def test_local_only_without_tacacs(no_tacacs: Rendered, platform: str) -> None:
    FALLBACK_CHECKS[platform](no_tacacs, tacacs=False)


# --- SNMPv3 engine IDs ------------------------------------------------------------------------


def test_junos_engine_id_is_the_device_own_and_unique(rendered: Rendered) -> None:
    seen: dict[str, str] = {}
    for host, intent, text in each(rendered, "junos"):
        snmp = parse(text)["snmp"]
        assert snmp["engine-id"].leaves == [f'local "{intent.hostname}"'], host
        suffix = snmp["engine-id"].leaves[0]
        assert suffix not in seen, (host, seen.get(suffix))
        seen[suffix] = host


def test_vrp_and_xr_keep_their_saved_engine_ids(rendered: Rendered) -> None:
    # VRP deletes every SNMPv3 user when its engine ID is set or changed, and keeps its default
    # engine ID in the configuration file; XR: no documented form found (SOURCES.md)
    for platform, statement in (
        ("huawei_vrp", "snmp-agent local-engineid"),
        ("iosxr", "snmp-server engineID"),
    ):
        for host, _intent, text in each(rendered, platform):
            assert statement not in text, host


# --- bad values of the new design fields ------------------------------------------------------


@pytest.mark.parametrize(
    ("good", "bad", "field", "message"),
    [
        (
            "  min_length: 8",
            "  min_length: 6",
            "passwords.min_length",
            "greater than or equal to 8",
        ),
        ("  min_length: 8", "  min_length: 21", "passwords.min_length", "less than or equal to 20"),
        (
            "  character_classes: 3 ",
            "  character_classes: 2 ",
            "passwords.character_classes",
            "greater than or equal to 3",
        ),
        (
            "  expiry_days: 90",
            "  expiry_days: 400",
            "passwords.expiry_days",
            "less than or equal to 365",
        ),
        (
            "  expiry_days: 90",
            "  expiry_days: 7",
            "passwords.expiry_days",
            "greater than or equal to 30",
        ),
        ("  history: 5 ", "  history: 0 ", "passwords.history", "greater than or equal to 1"),
        ("  history: 5 ", "  history: 13 ", "passwords.history", "less than or equal to 12"),
        ("  history: 5 ", "  history: five ", "passwords.history", "integer"),
        ("  history: 5 ", "  history: 5\n  max_age: 3 ", "passwords.max_age", "unknown field"),
    ],
)
def test_bad_password_policy(
    design_dir: Path, good: str, bad: str, field: str, message: str
) -> None:
    path = design_dir / MANAGEMENT
    replace_in(path, good, bad)
    line = line_of(path, bad.strip().splitlines()[-1])
    check(load_errors(design_dir), (MANAGEMENT, line, field, message))


def test_tacacs_without_a_local_admin_is_refused(design_dir: Path) -> None:
    path = design_dir / MANAGEMENT
    replace_in(path, "      role: admin\n", "      role: operator\n")
    check(
        load_errors(design_dir),
        (MANAGEMENT, line_of(path, "aaa:"), "aaa", "no local user has role admin"),
    )


def test_validate_names_file_line_and_field(design_dir: Path) -> None:
    path = design_dir / MANAGEMENT
    replace_in(path, "  expiry_days: 90", "  expiry_days: 0")
    result = CliRunner().invoke(app, ["validate", "--design", str(design_dir)])
    assert result.exit_code == 2, result.output
    line = line_of(path, "  expiry_days: 0")
    assert f"{MANAGEMENT}:{line}: passwords.expiry_days: " in result.output, result.output
