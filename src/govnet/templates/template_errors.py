"""Where a template failed: its file and line, said once for every device it failed on.

Jinja rewrites tracebacks so that the frames of a template carry the template's file name and
line; a syntax error carries both itself. A design's templates fail the same way on every
device that reaches the broken line, so failures are grouped by place and message.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, TemplateError, TemplateSyntaxError

from govnet.diagnostics import Problem

# jinja names an object by its full class path: "'govnet.templates.intent.DeviceIntent object'"
_OBJECT = re.compile(r"'(?:[\w]+\.)+(\w+) object'")


@dataclass(frozen=True)
class TemplatePlace:
    file: str  # templates/<platform>/<file>.j2, as the design names it
    line: int | None
    message: str

    def problem(self, devices: list[str]) -> Problem:
        if not devices:
            return Problem(self.file, (), self.message, line=self.line)
        shown = ", ".join(devices[:3])
        more = f" and {len(devices) - 3} more" if len(devices) > 3 else ""
        noun = "device" if len(devices) == 1 else "devices"
        return Problem(self.file, (), f"{self.message} ({noun} {shown}{more})", line=self.line)


def _design_relative(filename: str) -> str:
    parts = Path(filename).parts
    if "templates" in parts:
        index = len(parts) - 1 - parts[::-1].index("templates")
        return "/".join(parts[index:])
    return filename


def template_place(error: TemplateError) -> TemplatePlace:
    """The template file and line an error happened at (the innermost template frame)."""
    if isinstance(error, TemplateSyntaxError):
        name = error.filename or error.name or "template"
        return TemplatePlace(_design_relative(name), error.lineno, f"syntax: {error.message}")
    file, line = "template", None
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        filename = frame.f_code.co_filename
        if filename.endswith(".j2"):
            file, line = _design_relative(filename), lineno
    return TemplatePlace(file, line, _OBJECT.sub(r"'\1'", str(error.message or error)))


def group_template_errors(failures: list[tuple[str, TemplateError]]) -> list[Problem]:
    """(device, error) pairs -> one problem per distinct place and message."""
    grouped: dict[TemplatePlace, list[str]] = {}
    for device, error in failures:
        grouped.setdefault(template_place(error), []).append(device)
    return [place.problem(sorted(devices)) for place, devices in grouped.items()]


def template_syntax_errors(env: Environment) -> list[Problem]:
    """Every template the environment can load, parsed: one problem per syntax error, whether
    or not a device of the design uses that template."""
    problems = []
    for name in env.list_templates(extensions=["j2"]):
        try:
            env.get_template(name)
        except TemplateSyntaxError as error:
            problems.append(template_place(error).problem([]))
    return problems
