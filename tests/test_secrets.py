"""Secrets per platform: one environment value turned into the form each field wants, checked
with the hashing library's own verify; stable per device, different between devices; masked in
every form; missing values and unknown forms refused with the reference named, never a value."""

from __future__ import annotations

import re

import pytest
from passlib.hash import cisco_type7, sha512_crypt  # type: ignore[import-untyped]

from govnet.design import load_design
from govnet.inventory.secrets import (
    UnknownSecretForm,
    UnresolvedSecrets,
    mask_secrets,
    placeholder,
    resolve_secrets,
    secret_values,
)
from govnet.templates.build import build_intents
from govnet.templates.features import load_features
from govnet.templates.render import render_all, template_dirs
from govnet.topology.graph import build_graph
from tests.conftest import REFERENCE

PASSWORD = "Br3ak-Glass!2026"
ENV = {"PW": PASSWORD, "KEY": "tacacs-shared-key"}
CRYPT = "%SECRET(env:PW|sha512-crypt)%"
TYPE7 = "%SECRET(env:KEY|cisco-type7)%"


def test_sha512_crypt_verifies_with_the_library() -> None:
    hashed = resolve_secrets(f"secret 10 {CRYPT}", ENV, host="dg-mc-02").split()[-1]
    assert re.fullmatch(r"\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}", hashed)  # 5000 rounds
    assert sha512_crypt.verify(PASSWORD, hashed)
    assert not sha512_crypt.verify(PASSWORD + "x", hashed)


def test_cisco_type7_decodes_with_the_library() -> None:
    encoded = resolve_secrets(f"key 7 {TYPE7}", ENV, host="dg-mc-02").split()[-1]
    assert re.fullmatch(r"[01]\d([0-9A-F]{2})+", encoded)
    assert cisco_type7.decode(encoded) == "tacacs-shared-key"


def test_plain_is_the_default_and_can_be_spelled_out() -> None:
    text = "a %SECRET(env:KEY)% b %SECRET(env:KEY|plain)%"
    assert resolve_secrets(text, ENV) == "a tacacs-shared-key b tacacs-shared-key"
    assert placeholder("env:KEY") == "%SECRET(env:KEY)%"
    assert placeholder("env:KEY", "cisco-type7") == TYPE7


def test_hashes_are_stable_per_host_and_differ_between_hosts() -> None:
    text = f"{CRYPT} {TYPE7}"
    first = resolve_secrets(text, ENV, host="dg-mc-02")
    assert resolve_secrets(text, ENV, host="dg-mc-02") == first  # no diff on the next push
    other = resolve_secrets(text, ENV, host="dg-agg-01")
    crypt_a, crypt_b = first.split()[0], other.split()[0]
    assert crypt_a != crypt_b and crypt_a.split("$")[2] != crypt_b.split("$")[2]  # salts differ
    assert sha512_crypt.verify(PASSWORD, crypt_b)
    # a rotated password changes the salt too
    rotated = resolve_secrets(CRYPT, {"PW": "rotated"}, host="dg-mc-02")
    assert rotated.split("$")[2] != crypt_a.split("$")[2]


def test_host_is_keyword_only_and_optional() -> None:
    assert resolve_secrets(CRYPT, ENV) == resolve_secrets(CRYPT, ENV, host="")
    with pytest.raises(TypeError):
        secret_values(CRYPT, ENV, "dg-mc-02")  # type: ignore[misc]


def test_masking_hides_every_form_and_the_plain_value() -> None:
    text = f"user {CRYPT}\nkey 7 {TYPE7}\nkey {'%SECRET(env:KEY)%'}\n"
    values = secret_values(text, ENV, host="h")
    resolved = resolve_secrets(text, ENV, host="h")
    assert PASSWORD not in resolved  # only the hash is sent
    echoed = resolved + f"device says: bad key {ENV['KEY']} / {PASSWORD}\n"
    masked = mask_secrets(echoed, values)
    for value in (*values.values(), PASSWORD, ENV["KEY"]):
        assert value not in masked
    assert masked.startswith(f"user {CRYPT}\nkey 7 {TYPE7}\nkey %SECRET(env:KEY)%\n")
    assert "bad key %SECRET(env:KEY)% / %SECRET(env:PW)%" in masked


def test_a_missing_variable_names_the_reference_only() -> None:
    with pytest.raises(UnresolvedSecrets) as caught:
        secret_values(f"{CRYPT} %SECRET(env:GONE|cisco-type7)%", {"PW": PASSWORD})
    assert caught.value.references == ("env:GONE",)
    assert PASSWORD not in str(caught.value) and "env:GONE" in str(caught.value)


def test_an_unknown_form_is_refused_naming_it() -> None:
    with pytest.raises(UnknownSecretForm) as caught:
        resolve_secrets("%SECRET(env:PW|md5-crypt)% %SECRET(env:KEY)%", ENV)
    assert caught.value.references == ("env:PW|md5-crypt",)
    assert "md5-crypt" in str(caught.value) and "sha512-crypt" in str(caught.value)
    assert PASSWORD not in str(caught.value)
    assert isinstance(caught.value, UnresolvedSecrets)  # the push fails that host, as for a gap
    with pytest.raises(UnknownSecretForm):
        placeholder("env:PW", "type9")


@pytest.fixture(scope="module")
def reference_configs() -> dict[str, tuple[str, str]]:
    design = load_design(REFERENCE)
    intents = build_intents(design, build_graph(design))
    configs = render_all(design.root, intents, load_features(template_dirs(design.root)))
    return {c.hostname: (c.platform, c.text) for c in configs}


FIELD_FORMS = {
    # platform: (field pattern, the form its placeholder must ask for)
    "huawei_vrp": [
        (r"local-user \S+ password irreversible-cipher ", "plain"),
        (r"hwtacacs-server shared-key cipher ", "plain"),
        (r"authentication-mode hmac-sha256 cipher ", "plain"),
        (r"snmp-agent usm-user v3 \S+ (?:authentication|privacy)-mode \S+ cipher ", "plain"),
    ],
    "iosxr": [
        (r" secret 10 ", "sha512-crypt"),
        (r" key 7 ", "cisco-type7"),
        (r"authentication-key \d+ md5 encrypted ", "cisco-type7"),
        (r"auth sha encrypted ", "cisco-type7"),
        (r"priv aes 128 encrypted ", "cisco-type7"),
    ],
    "junos": [
        (r'encrypted-password "', "sha512-crypt"),
        (r'secret "', "plain"),
        (r'authentication-key \d+ type sha256 value "', "plain"),
        (r'authentication-password "', "plain"),
        (r'privacy-password "', "plain"),
    ],
}


@pytest.mark.parametrize("platform", sorted(FIELD_FORMS))
def test_reference_configs_carry_the_right_form_in_each_field(
    reference_configs: dict[str, tuple[str, str]], platform: str
) -> None:
    texts = [text for p, text in reference_configs.values() if p == platform]
    assert texts, platform
    for text in texts:
        placeholders = re.findall(r"%SECRET\([^)%]*\)%", text)
        checked = 0
        for field, form in FIELD_FORMS[platform]:
            found = re.findall(field + r"(%SECRET\([^)%]*\)%)", text)
            assert found, (platform, field)
            for value in found:
                asked = value[len("%SECRET(") : -len(")%")].partition("|")[2] or "plain"
                assert asked == form, (platform, field, value)
            checked += len(found)
        assert checked == len(placeholders), "a placeholder in a field this test does not know"


def test_every_reference_config_resolves(reference_configs: dict[str, tuple[str, str]]) -> None:
    env = {name: f"value-of-{name}" for name in ENV_NAMES}
    for name, (_platform, text) in reference_configs.items():
        resolved = resolve_secrets(text, env, host=name)
        assert "%SECRET(" not in resolved, name


ENV_NAMES = (
    "GOVNET_TACACS_KEY",
    "GOVNET_LOCAL_ADMIN_PASSWORD",
    "GOVNET_NTP_KEY_SHA256",
    "GOVNET_NTP_KEY_MD5",
    "GOVNET_SNMP_AUTH_KEY",
    "GOVNET_SNMP_PRIV_KEY",
)
