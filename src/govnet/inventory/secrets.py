"""Secrets in rendered configs: placeholders resolved from the environment at push time only.

Grammar of a placeholder (the templates choose the form each field wants)::

    %SECRET(env:NAME)%                 the value itself (form ``plain``)
    %SECRET(env:NAME|plain)%           the same, spelled out
    %SECRET(env:NAME|sha512-crypt)%    a SHA-512 crypt hash ($6$, 5000 rounds): IOS-XR
                                       ``secret 10``, Junos ``encrypted-password``
    %SECRET(env:NAME|cisco-type7)%     Cisco's reversible type 7 encoding: IOS-XR ``key 7``,
                                       XR ``encrypted`` NTP and SNMPv3 keys

One environment value serves every platform: it is turned into the form a field wants here, with
passlib (libpass) doing the hashing. Hashes are stable across pushes: their salt is derived from
the value, the device and the reference (see :func:`_crypt_salt`), so a second push shows no
changed password line and commits nothing. A missing variable (or a ``vault:`` reference, which
nothing resolves yet) fails that host before any connection is opened; an unknown form too.
Resolved values never appear in reports: diffs and error messages are masked back to their
placeholders.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping

from passlib.hash import cisco_type7, sha512_crypt  # type: ignore[import-untyped]

SECRET_PATTERN = re.compile(r"%SECRET\(([^)%]*)\)%")
FORM_SEPARATOR = "|"
PLAIN = "plain"
SHA512_CRYPT = "sha512-crypt"
CISCO_TYPE7 = "cisco-type7"

# What the devices write themselves for $6$ hashes: 5000 rounds (no "rounds=" field) and a
# 16-character salt; IOS-XR type 10 and Junos document only that form.
SHA512_CRYPT_ROUNDS = 5000
SHA512_SALT_LENGTH = 16
CRYPT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# scrypt cost for the salt (4 MiB, ~10 ms): see _crypt_salt
SALT_SCRYPT_N, SALT_SCRYPT_R, SALT_SCRYPT_P = 2**12, 8, 1


class UnresolvedSecrets(ValueError):
    """Placeholders the push step cannot fill in; names the references, never a value."""

    def __init__(self, references: Iterable[str], why: str = "unresolved secret(s)") -> None:
        self.references = tuple(sorted(set(references)))
        super().__init__(f"{why}: {', '.join(self.references)}")


class UnknownSecretForm(UnresolvedSecrets):
    """A placeholder asks for a form this module cannot produce (a template bug)."""

    def __init__(self, references: Iterable[str]) -> None:
        super().__init__(
            references, f"unknown secret form (known: {', '.join(sorted(SECRET_FORMS))})"
        )


def placeholder(reference: str, form: str = PLAIN) -> str:
    """The placeholder a template prints for ``reference`` in ``form``."""
    if form not in SECRET_FORMS:
        raise UnknownSecretForm([f"{reference}{FORM_SEPARATOR}{form}"])
    suffix = "" if form == PLAIN else f"{FORM_SEPARATOR}{form}"
    return f"%SECRET({reference}{suffix})%"


def _crypt_salt(value: str, host: str, reference: str) -> str:
    """A salt that is the same on every push to ``host`` and differs between hosts.

    A random salt would make every push show (and commit) a changed password line. The salt
    depends on the value, so it changes when the password is rotated, and on the host, so one
    device's hash tells nothing about another's. It is derived with scrypt, not a plain HMAC
    keyed by the value: the salt is printed next to the hash, and a fast function of the
    password there would let anyone with the config test guesses faster than the hash allows.
    """
    context = f"govnet-salt\0{host}\0{reference}".encode()
    digest = hashlib.scrypt(
        value.encode(),
        salt=context,
        n=SALT_SCRYPT_N,
        r=SALT_SCRYPT_R,
        p=SALT_SCRYPT_P,
        dklen=SHA512_SALT_LENGTH,
    )
    return "".join(CRYPT_ALPHABET[byte % len(CRYPT_ALPHABET)] for byte in digest)


def _type7_salt(host: str, reference: str) -> int:
    """Type 7's salt is one of 16 offsets; any fixed one keeps the line stable. Type 7 is an
    encoding anyone can reverse, so the offset needs no secret input."""
    return hashlib.sha256(f"{host}\0{reference}".encode()).digest()[0] % 16


def _sha512_crypt(value: str, host: str, reference: str) -> str:
    hasher = sha512_crypt.using(
        salt=_crypt_salt(value, host, reference), rounds=SHA512_CRYPT_ROUNDS
    )
    return str(hasher.hash(value))


def _cisco_type7(value: str, host: str, reference: str) -> str:
    return str(cisco_type7.using(salt=_type7_salt(host, reference)).hash(value))


SECRET_FORMS: dict[str, Callable[[str, str, str], str]] = {
    PLAIN: lambda value, _host, _reference: value,
    SHA512_CRYPT: _sha512_crypt,
    CISCO_TYPE7: _cisco_type7,
}


def secret_values(text: str, environ: Mapping[str, str], *, host: str = "") -> dict[str, str]:
    """Each placeholder of ``text`` and the value it stands for, in the form it asks for,
    salted for ``host`` (the device name), plus each reference's plain placeholder and value
    (for :func:`mask_secrets`); raises :class:`UnresolvedSecrets` naming every reference that
    has no (non-empty) value, :class:`UnknownSecretForm` naming every placeholder whose form
    is unknown."""
    values: dict[str, str] = {}
    missing: list[str] = []
    unknown: list[str] = []
    for match in SECRET_PATTERN.finditer(text):
        reference, _, form = match.group(1).partition(FORM_SEPARATOR)
        transform = SECRET_FORMS.get(form or PLAIN)
        if transform is None:
            unknown.append(match.group(1))
            continue
        scheme, _, name = reference.partition(":")
        value = environ.get(name, "") if scheme == "env" and name else ""
        if not value:
            missing.append(reference)  # unset, empty, vault: or an unknown scheme
        elif match.group(0) not in values:
            values[match.group(0)] = transform(value, host, reference)
            # the plain value too, so that masking hides it wherever a device echoes it
            values.setdefault(placeholder(reference), value)
    if unknown:
        raise UnknownSecretForm(unknown)
    if missing:
        raise UnresolvedSecrets(missing)
    return values


def resolve_secrets(text: str, environ: Mapping[str, str], *, host: str = "") -> str:
    """``text`` with every placeholder replaced by its value in the form it asks for."""
    values = secret_values(text, environ, host=host)
    return SECRET_PATTERN.sub(lambda match: values[match.group(0)], text)


def mask_secrets(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every resolved value (plain, hashed or encoded) back to its placeholder
    (longest values first)."""
    for key, value in sorted(values.items(), key=lambda item: -len(item[1])):
        text = text.replace(value, key)
    return text
