"""What every HTML report of govnet shares: one stylesheet, and the environment of its runbook pages."""

from jinja2 import Environment, StrictUndefined


def page_environment(html: bool) -> Environment:
    """The Jinja environment of govnet's runbooks and review pages (Markdown or HTML, the
    latter autoescaped): strict, block-trimmed, the text's final newline kept."""
    return Environment(
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=html,
    )


PAGE_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.bad, .late { color: #c00; font-weight: bold; }
.ok { color: #080; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
"""
