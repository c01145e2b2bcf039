"""Text interpolated into one output line (a warning, a CLI line, a Markdown row, a table
cell) with control characters and line breaks shown as escapes, so a file name can never
print a line of its own (or reorder one, with bidirectional controls)."""

from __future__ import annotations

import re

__all__ = ["json_text", "visible"]

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
# embedding/override/isolate controls ("Trojan source").
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, keep: str = "") -> str:
    """``text`` with every control character, line break and bidi control escaped
    (``\\n``, ``\\r``, ``\\t``, ``\\x1b``, ``\\u2028`` ...) except those in ``keep``
    (for formats with their own escape for them); other text unchanged."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda m: m.group(0) if m.group(0) in keep else _escape(m), text)


_JSON_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def json_text(doc: object) -> str:
    """``doc`` as indented JSON, non-ASCII kept, with the three line breaks JSON leaves raw
    (U+2028, U+2029, U+0085, which ``str.splitlines`` and older JavaScript split on) escaped."""
    import json

    text = json.dumps(doc, indent=2, ensure_ascii=False)
    for raw, esc in _JSON_BREAKS.items():
        text = text.replace(raw, esc)
    return text + "\n"
