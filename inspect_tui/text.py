"""What counts as storable text (shared by the file models and the input rules)."""

from __future__ import annotations

import unicodedata

ALLOWED_CONTROLS = frozenset("\n\t")


def unstorable(text: str) -> str | None:
    """The first character text may not hold, or None: control characters other than
    newline and tab, lone surrogates (not storable as UTF-8) and noncharacters (illegal in
    the XML inside xlsx files)."""
    for char in text:
        if char in ALLOWED_CONTROLS:
            continue
        code = ord(char)
        if (
            unicodedata.category(char) in ("Cc", "Cs")
            or 0xFDD0 <= code <= 0xFDEF
            or (code & 0xFFFE) == 0xFFFE
        ):
            return char
    return None


def check_storable(text: str) -> str:
    """For pydantic validators: the text, or a ValueError naming the character."""
    bad = unstorable(text)
    if bad is not None:
        raise ValueError(
            f"contains a control character or one that cannot be stored (U+{ord(bad):04X})"
        )
    return text
