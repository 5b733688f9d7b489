"""The building blocks of the HTML report: its style sheet, cells that know their kind
(a figure, a time, a long explanation), tables, inline SVG charts and the one escaping policy."""

from __future__ import annotations

import vl_convert

from workbench.analysis.vector_table import RULES
from workbench.export.escaping import html_text
from workbench.viz.palette import colour

CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;padding:0 16px;color:#222;overflow-wrap:break-word}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.5em 0} th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4} td.num,th.num{text-align:right;white-space:nowrap} td.time{white-space:nowrap} td.long{overflow-wrap:anywhere;min-width:18em} .attack{background:#fbe3e0} .mitigated{background:#fdf2d9} .baseline{background:#eef6ea}
.chart{margin:1em 0;max-width:100%} .chart svg{max-width:100%;height:auto;overflow:visible}
.small{color:#666;font-size:12px} code{font-size:12px;word-break:break-all}
.verdict{font-weight:600}
.headline{display:flex;flex-wrap:wrap;gap:8px;margin:1em 0}
.fact{flex:1 1 200px;min-width:0;border:1px solid #ddd;border-radius:6px;padding:8px 10px;background:#fafafa}
.fact .label{display:block;color:#666;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.fact .value{display:block;font-size:15px;overflow-wrap:anywhere}
.fact.quality{flex-basis:100%;background:#fff4d6;border-color:#e0b000}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.35em;vertical-align:baseline}
.vector{white-space:normal} .vector code{display:block;word-break:normal;overflow-wrap:anywhere} .note{color:#8a5a00;font-size:12px}
pre.json{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;background:#f7f7f7;padding:8px;max-width:100%}
"""


class Escaped(str):
    """Text already escaped for HTML (``_table`` leaves it as it is)."""


def escape(value) -> str:
    """Every value shown in the report goes through the one HTML policy (``escaping.html_text``)."""
    return value if isinstance(value, Escaped) else html_text(value)


def svg(chart) -> str:
    """An Altair chart as inline SVG (no script, no network)."""
    return f'<div class="chart">{vl_convert.vegalite_to_svg(chart.to_json())}</div>'


class Num(str):
    """A figure: right-aligned in its cell, never broken."""


class Time(str):
    """A time of day: never broken."""


class Long(Escaped):
    """A long explanation (evidence, packet strings): wraps anywhere rather than widen the page."""


def _cell_class(value) -> str:
    for kind, name in ((Num, "num"), (Time, "time"), (Long, "long")):
        if isinstance(value, kind):
            return f" class={name}"
    return ""


def table(headers: list[str], rows: list[list], row_class: list[str] | None = None) -> str:
    if not rows:
        return ""
    numeric = [all(isinstance(r[k], Num) for r in rows) for k in range(len(headers))]
    head = "".join(
        f"<th{' class=num' if numeric[k] else ''}>{escape(h)}</th>" for k, h in enumerate(headers)
    )
    body = []
    for k, row in enumerate(rows):
        cls = f' class="{escape(row_class[k])}"' if row_class else ""
        cells = "".join(f"<td{_cell_class(c)}>{escape(c)}</td>" for c in row)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def vector_cell(name: str, *, code: bool = True) -> Escaped:
    """A vector in words with its colour (the one of every chart) and its code name beside it."""
    rule = RULES.get(name)
    title = rule.title if rule else name
    swatch = f"<span class='swatch' style='background:{colour(name)}'></span>"
    tail = f" <code>{escape(name)}</code>" if code and rule else ""
    return Escaped(f"<span class='vector'>{swatch}{escape(title)}{tail}</span>")


def vectors_cell(names: list[str], *, code: bool = False) -> Escaped:
    if not names:
        return Escaped("–")
    return Escaped("<br>".join(vector_cell(v, code=code) for v in names))
