"""Secrets in rendered configs: placeholders resolved from the environment at push time only.

``%SECRET(env:NAME)%`` is resolved from the environment just before sending; a missing variable
(or a ``vault:`` reference, which nothing resolves yet) fails that host before any connection is
opened. Resolved values never appear in reports: diffs and error messages are masked back to
their placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

SECRET_PATTERN = re.compile(r"%SECRET\(([^)%]*)\)%")


class UnresolvedSecrets(ValueError):
    """Placeholders the push step cannot fill in; names the references, never a value."""

    def __init__(self, references: Iterable[str]) -> None:
        self.references = tuple(sorted(set(references)))
        super().__init__(f"unresolved secret(s): {', '.join(self.references)}")


def secret_values(text: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Each placeholder of ``text`` (``%SECRET(env:NAME)%``) and its value; raises
    :class:`UnresolvedSecrets` naming every reference that has no (non-empty) value."""
    values: dict[str, str] = {}
    missing: list[str] = []
    for match in SECRET_PATTERN.finditer(text):
        reference = match.group(1)
        scheme, _, name = reference.partition(":")
        value = environ.get(name, "") if scheme == "env" and name else ""
        if value:
            values[match.group(0)] = value
        else:
            missing.append(reference)  # unset, empty, vault: or an unknown scheme
    if missing:
        raise UnresolvedSecrets(missing)
    return values


def resolve_secrets(text: str, environ: Mapping[str, str]) -> str:
    """``text`` with every ``%SECRET(env:NAME)%`` replaced by ``environ[NAME]``."""
    values = secret_values(text, environ)
    return SECRET_PATTERN.sub(lambda match: values[match.group(0)], text)


def mask_secrets(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every resolved value back to its placeholder (longest values first)."""
    for placeholder, value in sorted(values.items(), key=lambda item: -len(item[1])):
        text = text.replace(value, placeholder)
    return text
