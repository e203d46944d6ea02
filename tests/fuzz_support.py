"""Hypothesis strategies for free text, shared by the fuzzing of the services and files
(``test_fuzz.py``) and of the TUI's input fields (``test_fuzz_tui.py``)."""

from __future__ import annotations

from hypothesis import strategies as st

# All of Unicode (surrogates, controls and noncharacters included) with extra weight on
# the awkward parts: CJK Extension B, emoji, right-to-left marks, NUL, markup.
AWKWARD = st.sampled_from(
    [
        "𠀀",
        "𪚥",
        "😀",
        "👍🏽",
        "\u200f",
        "\u202e",
        "\x00",
        "\x1b",
        "\ufeff",
        "\ufffe",
        "<b>",
        "&amp;",
        "[red]",
        "'",
        '"',
        "\n",
        "\t",
        "黨",
    ]
)
TEXT = st.lists(st.one_of(st.characters(), AWKWARD), max_size=60).map("".join)
HUGE = st.integers(min_value=10_001, max_value=100_000).map(lambda n: "字" * n)
