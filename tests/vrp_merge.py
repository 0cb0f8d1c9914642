"""A small model of what VRP does when a config is entered over a running one (a merge), for the
tests: documented VRP behaviour only (templates/huawei_vrp/SOURCES.md, "Merge: what each state
removes").

- A config is views by indentation (one space per level, as ``display current-configuration``
  prints it); ``#`` separators and ``return`` are not configuration.
- A line adds itself to its view (entering a view header that exists enters it).
- A line whose command is configured once per view (``SINGLE_VALUED``: the command reference
  says a second run overrides the first) replaces the line of the same command.
- ``undo X`` removes, in its view, the line ``X`` and the lines that start with ``X ``
  (``undo peer 10.0.0.1`` removes the peer with everything it had, in every family: the
  ``peer as-number`` reference); a removed view header takes its whole view with it.
"""

from __future__ import annotations

import re

# One view: its path (the headers above it, outermost first).
View = tuple[str, ...]
# A config: every view's lines in order (the root view is ``()``).
Config = dict[View, list[str]]

# Commands the command reference documents as one value per view (configured again: the new
# value overrides the old), as patterns of the command without its value.
SINGLE_VALUED = (
    re.compile(r"(timer ldp-sync hold-max-cost) \S+"),
    re.compile(r"(bestroute add-path path-number) \S+"),
    re.compile(r"(peer \S+ capability-advertise add-path) \S+"),
    re.compile(r"(peer \S+ advertise add-path path-number) \S+"),
)


# ``undo peer ADDRESS`` in the BGP view: "all configurations related to the peer are deleted"
_WHOLE_PEER = re.compile(r"peer [0-9A-Fa-f.:]+")


def _command_key(line: str) -> str | None:
    for pattern in SINGLE_VALUED:
        matched = pattern.fullmatch(line)
        if matched:
            return matched.group(1)
    return None


def parse_lines(text: str) -> list[tuple[View, str]]:
    """Every configuration line with the view it is entered in."""
    result: list[tuple[View, str]] = []
    stack: list[str] = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped == "#" or stripped == "return":
            continue
        depth = len(raw) - len(raw.lstrip(" "))
        if depth > len(stack):
            raise ValueError(f"{stripped!r} is indented under no view")
        del stack[depth:]
        result.append((tuple(stack), stripped))
        stack.append(stripped)
    return result


def _drop_view(config: Config, view: View) -> None:
    for path in [p for p in config if p[: len(view)] == view]:
        del config[path]


def _remove(config: Config, view: View, target: str) -> None:
    lines = config.get(view, [])
    for gone in [x for x in lines if x == target or x.startswith(target + " ")]:
        lines.remove(gone)
        _drop_view(config, (*view, gone))


def merge(running: Config, candidate: str) -> Config:
    """The config VRP runs after ``candidate`` is entered over ``running``."""
    result: Config = {view: list(lines) for view, lines in running.items()}
    for view, line in parse_lines(candidate):
        lines = result.setdefault(view, [])
        if line.startswith("undo "):
            target = line.removeprefix("undo ")
            views = [view]
            if _WHOLE_PEER.fullmatch(target) and view and view[-1].startswith("bgp "):
                views += [v for v in result if len(v) == len(view) + 1 and v[:-1] == view]
            for where in views:
                _remove(result, where, target)
            continue
        key = _command_key(line)
        if key is not None:
            for old in [x for x in lines if x != line and _command_key(x) == key]:
                lines.remove(old)
        if line not in lines:
            lines.append(line)
    return {view: lines for view, lines in result.items() if lines or not view}


def configured(text: str) -> Config:
    """What a rendered config configures: itself merged over nothing, its ``undo`` lines (no
    configuration of their own) left out."""
    return {
        view: sorted(lines) for view, lines in merge({(): []}, text).items() if lines or not view
    }


def normalised(config: Config) -> Config:
    return {view: sorted(lines) for view, lines in config.items() if lines or not view}
