"""Problems found in a design, and how they are shown to people.

Every problem names the file, the line and the field it is about. Lines are looked up late
(see :mod:`govnet.yamlio`) so that the fast path never pays for line tracking.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Loc = tuple[str | int, ...]
Severity = Literal["error", "warning"]


def format_field(loc: Loc) -> str:
    """``("links", 3, "a", "device")`` -> ``links[3].a.device``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif text:
            text += f".{part}"
        else:
            text = str(part)
    return text or "(document)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in one place of one design file."""

    file: str
    loc: Loc
    message: str
    severity: Severity = "error"
    line: int | None = None

    @property
    def field(self) -> str:
        return format_field(self.loc)

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.field}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "severity": self.severity,
        }


@dataclass
class ProblemLog:
    """Collects problems while a design is loaded; nothing is raised until the end."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, file: str, loc: Loc, message: str) -> None:
        self.problems.append(Problem(file, loc, message))

    def warning(self, file: str, loc: Loc, message: str) -> None:
        self.problems.append(Problem(file, loc, message, severity="warning"))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


class DesignError(Exception):
    """Raised with every error of a design at once; the CLI turns it into exit code 2."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(
            f"{len(errors)} error(s) in the design:\n" + "\n".join(p.format() for p in errors)
        )

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Whole-file problems (syntax errors, missing files) first: they explain the rest."""
    return sorted(problems, key=lambda p: (bool(p.loc), p.file, p.line or 0, p.field, p.message))
