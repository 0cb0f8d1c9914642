"""The one shape every rendered file takes."""

from __future__ import annotations


def tidy(text: str) -> str:
    """One blank line at most, no trailing spaces, one final newline."""
    cleaned: list[str] = []
    for line in (raw.rstrip() for raw in text.splitlines()):
        if line == "" and (not cleaned or cleaned[-1] == ""):
            continue
        cleaned.append(line)
    return "\n".join(cleaned).strip("\n") + "\n"
