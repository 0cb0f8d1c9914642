"""What every govnet command shares: the consoles, the common options, loading a design with
its problems printed, host selection, JSON output, tables and render errors."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from govnet.design import Design, default_design_path, load_design
from govnet.diagnostics import DesignError, Problem
from govnet.inventory.platforms import Platform
from govnet.inventory.roles import Role
from govnet.topology.addressing import PoolKind

# Piped or redirected output is read by scripts and grep: a table there is as wide as its
# contents (no cell cut or wrapped at 80 columns); COLUMNS still sets a width on purpose.
PIPED_WIDTH = 100_000


def _console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr, highlight=False, emoji=False, soft_wrap=True)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(
            stderr=stderr, highlight=False, emoji=False, soft_wrap=True, width=PIPED_WIDTH
        )
    return console


out = _console()
err = _console(stderr=True)


def abbreviated(names: list[str], keep: int) -> str:
    """A list for a table cell: on a terminal the first ``keep`` and a count; piped, all."""
    if not out.is_terminal or len(names) <= keep:
        return ", ".join(names)
    return ", ".join(names[:keep]) + f" … (+{len(names) - keep})"


DesignOption = Annotated[
    Path | None,
    typer.Option(
        "--design",
        "-d",
        help="Design directory (default: $GOVNET_DESIGN, the current directory, or the reference).",
        file_okay=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]

EXIT_DESIGN_ERROR = 2


MAX_PRINTED = 100


def print_problems(problems: list[Problem]) -> None:
    """Errors first, every one of them; warnings fill what is left of the cap."""
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    shown = errors + warnings[: max(0, MAX_PRINTED - len(errors))]
    for problem in shown:
        style = "yellow" if problem.severity == "warning" else "red"
        err.print(problem.format(), style=style, markup=False)
    if len(shown) < len(problems):
        hidden = len(problems) - len(shown)
        err.print(f"… and {hidden} more warning(s) (--json lists them all)", markup=False)


def load_or_exit(
    design: Path | None, as_json: bool = False, renumber: frozenset[PoolKind] = frozenset()
) -> Design:
    path = design if design is not None else default_design_path()
    try:
        return load_design(path, renumber)
    except DesignError as error:
        if as_json:
            emit_json({"design": str(path), "valid": False}, ok=False, problems=error.problems)
        print_problems(error.problems)
        err.print(f"{len(error.errors)} error(s) in design {path}", style="bold red")
        raise typer.Exit(EXIT_DESIGN_ERROR) from None


def emit_json(result: Any, ok: bool = True, problems: Iterable[Problem] = ()) -> None:
    """Every ``--json`` document has one envelope (README, "JSON output"): the command, the
    version, ``ok`` (true exactly when the command exits 0), the design's problems (file, line,
    field, message, severity) and the command's own ``result``."""
    words: list[str] = []
    context = _current_context()
    while context is not None and context.parent is not None:  # the root is govnet itself
        words.insert(0, context.info_name or "")
        context = context.parent
    document = {
        "command": " ".join(["govnet", *words]),
        "version": _version(),
        "ok": ok,
        "problems": [p.as_dict() for p in problems],
        "result": result,
    }
    print(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def _current_context() -> Any:
    """The running command's context: typer 0.29 runs on its own vendored copy of click."""
    import importlib

    try:
        module = importlib.import_module("typer._click.globals")
    except ImportError:  # a typer that uses click itself
        module = importlib.import_module("click")
    return module.get_current_context(silent=True)


def _version() -> str:
    from importlib.metadata import version

    return version("govnet")


def titled_table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    for column in columns:
        justify = (
            "right" if column.startswith(("#", "km", "%", "used", "usable", "Mb/s")) else "left"
        )
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    return table


@contextmanager
def render_errors() -> Iterator[None]:
    """Rendering and rule-loading failures: every problem printed, exit 2, nothing written."""
    from govnet.templates.render import RenderError

    try:
        yield
    except DesignError as error:
        print_problems(error.problems)
        raise typer.Exit(EXIT_DESIGN_ERROR) from None
    except (RenderError, ValueError, FileNotFoundError) as error:
        for line in getattr(error, "problems", [str(error)]):
            err.print(line, style="red", markup=False)
        raise typer.Exit(EXIT_DESIGN_ERROR) from None


FILTER_FIELDS = ("role", "site", "district", "platform", "model")
FilterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--filter",
        metavar="FIELD=VALUE",
        help=f"Only hosts whose FIELD=VALUE (repeatable, all must hold; fields: {', '.join(FILTER_FIELDS)}).",
    ),
]


def _host_field(host: Any, field: str) -> str:
    value = host.data.model if field == "model" else getattr(host, field)
    return str(getattr(value, "value", value))


def _closest(name: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(known), n=1)
    return close[0] if close else None


HostsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--hosts", metavar="NAME[,NAME…]", help="Only these devices (repeat or comma-separate)."
    ),
]
RoleOption = Annotated[
    list[Role] | None,
    typer.Option(
        "--role",
        metavar="ROLE",
        help=f"Only devices of this role (repeatable; one of: {', '.join(r.value for r in Role)}).",
    ),
]
DistrictOption = Annotated[
    list[str] | None,
    typer.Option(
        "--district", metavar="DISTRICT", help="Only devices of this district (repeatable)."
    ),
]
RingOption = Annotated[
    list[str] | None,
    typer.Option("--ring", metavar="RING", help="Only the members of this ring (repeatable)."),
]


@dataclass(frozen=True)
class HostSelection:
    """--hosts, --filter and the --role/--district/--ring shortcuts: every condition holds."""

    hosts: list[str] | None = None
    filters: list[str] | None = None
    roles: list[Role] | None = None
    districts: list[str] | None = None
    rings: list[str] | None = None

    def names(self, loaded: Design, platforms: list[Platform] | None = None) -> list[str]:
        filters = [*(self.filters or []), *(f"role={r.value}" for r in self.roles or [])]
        names = select_hosts(loaded, platforms, self.hosts, filters)
        if self.districts:
            _refuse_unknown("district", self.districts, sorted(loaded.districts))
            names = [n for n in names if loaded.hosts[n].district in self.districts]
        if self.rings:
            by_name = {ring.name: ring for ring in loaded.rings}
            _refuse_unknown("ring", self.rings, sorted(by_name))
            members = {m for ring in self.rings for m in by_name[ring].members}
            names = [n for n in names if n in members]
        return names


def _refuse_unknown(kind: str, wanted: list[str], known: list[str]) -> None:
    unknown = [w for w in wanted if w not in known]
    if unknown:
        err.print(
            f"no such {kind}: {', '.join(unknown)} ({kind}s: {', '.join(known)})",
            style="red",
            markup=False,
        )
        raise typer.Exit(EXIT_DESIGN_ERROR)


def select_hosts(
    loaded: Design,
    platforms: list[Platform] | None,
    hosts: list[str] | None,
    filters: list[str] | None = None,
) -> list[str]:
    names = sorted(loaded.hosts)
    if hosts:
        wanted = [h.strip() for item in hosts for h in item.split(",") if h.strip()]
        unknown = [h for h in wanted if h not in loaded.hosts]
        if unknown:
            hints = [_closest(h, loaded.hosts) for h in unknown]
            shown = ", ".join(
                f"{h} (did you mean {c}?)" if c else h for h, c in zip(unknown, hints, strict=True)
            )
            err.print(f"unknown host(s): {shown}", style="red", markup=False)
            raise typer.Exit(EXIT_DESIGN_ERROR)
        names = sorted(set(wanted))
    if platforms:
        names = [n for n in names if loaded.hosts[n].platform in platforms]
    for condition in filters or []:
        field, _, value = condition.partition("=")
        if field not in FILTER_FIELDS or not value:
            err.print(
                f"--filter {condition!r}: use FIELD=VALUE with FIELD one of {', '.join(FILTER_FIELDS)}",
                style="red",
            )
            raise typer.Exit(EXIT_DESIGN_ERROR)
        names = [n for n in names if _host_field(loaded.hosts[n], field) == value]
    return names
