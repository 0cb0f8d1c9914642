"""What `govnet validate` checks besides the design's YAML: everything else of the design that
a later command would trip over — its feature matrix, its lint rules and its templates (every
template parsed, every device rendered in memory) — each problem with its file and line."""

from __future__ import annotations

import networkx as nx

from govnet.checks.lint import load_rules
from govnet.design import Design, reference_design_path
from govnet.diagnostics import DesignError, Problem
from govnet.templates.build import build_intents
from govnet.templates.features import load_features
from govnet.templates.render import RenderError, render_all, template_dirs


def artifact_problems(design: Design, graph: nx.MultiGraph) -> list[Problem]:
    problems: list[Problem] = []
    try:
        load_rules([design.root, reference_design_path()])
    except DesignError as error:
        problems += error.errors
    try:
        features = load_features(template_dirs(design.root))
    except DesignError as error:
        return problems + error.errors
    try:
        render_all(design.root, build_intents(design, graph), features)
    except RenderError as error:
        problems += error.located or [Problem("templates/", (), text) for text in error.problems]
    return problems
