"""One escaping policy per output, for strings an attacker chooses (DNS names, HTTP URIs, user
agents, file names): every exporter formats text through this module and nowhere else.

- HTML (report, widget text): cut when very long, invisible characters made visible, then
  HTML-escaped (``html_text``).
- CSV (spreadsheet timeline): cut when very long, invisible characters made visible, and a cell
  that a spreadsheet would read as a formula neutralised with a leading ``'`` (``csv_cell``,
  OWASP "CSV injection").
- JSON (report, Timesketch JSONL, STIX, fingerprint): the exact value; the JSON encoder escapes
  what JSON needs (``json_text``), so a reader gets back the bytes the packet carried.
"""

from __future__ import annotations

import html as _html
import json
import re
from typing import Any

MAX_CHARS = 1024  # longest value shown in a table cell (a 64 KB DNS name would swamp the report)

# characters that change how text displays without showing themselves: C0/C1 controls, bidi
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069, LRM/RLM/ALM), zero-width
# characters, line/paragraph separators, BOM, interlinear annotations, lone surrogates
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
# first characters that make a spreadsheet evaluate a cell (OWASP), and their full-width forms
# that some spreadsheets fold to them
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def clip(text: str, limit: int = MAX_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with a marker saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\u2026[{len(text) - limit:,} more characters cut]"


def visible(text: str) -> str:
    """Invisible and direction-changing characters written as escapes (``\\x00``, ``\\u202e``)."""

    def code(match: re.Match) -> str:
        point = ord(match.group())
        return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"

    return _INVISIBLE.sub(code, text)


def html_text(value: Any, limit: int | None = MAX_CHARS) -> str:
    """A value as HTML text (element content or a quoted attribute); ``limit=None``: not cut
    (for text whose parts were clipped already)."""
    text = str(value)
    return _html.escape(visible(clip(text, limit) if limit else text), quote=True)


def csv_cell(value: Any, limit: int | None = MAX_CHARS) -> Any:
    """A value as a CSV cell: numbers and None as they are, text made safe for a spreadsheet."""
    if not isinstance(value, str):
        return value
    text = visible(clip(value, limit) if limit else value)
    return "'" + text if text.startswith(FORMULA_START) else text


def json_text(value: Any, **options) -> str:
    """A value as JSON: the exact strings (non-ASCII and controls as \\u escapes, always valid)."""
    return json.dumps(value, ensure_ascii=True, default=str, **options)


def clip_strings(value: Any, limit: int = MAX_CHARS) -> Any:
    """A copy of a JSON-like value with every string (keys too) clipped: for a cell that shows
    a structure, still valid JSON."""
    if isinstance(value, str):
        return clip(value, limit)
    if isinstance(value, dict):
        return {clip(str(k), limit): clip_strings(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clip_strings(v, limit) for v in value]
    return value
