"""Fonts for the PDF documents: which faces, how they are checked, and text as markup.

The shipped default comes from the registry package ``weblate-fonts`` (SIL OFL 1.1), which
carries Kurinto Sans as TrueType-outline files (the only outlines reportlab embeds):

====================  ===========  ======  ======  =====  ====================
face                  CJK Unified  Ext A   Ext B   emoji  role
====================  ===========  ======  ======  =====  ====================
Kurinto Sans SC       20,976       6,582   54      0      body (Trad. + Simp.)
Kurinto Sans TC       15,383       575     1,707   0      fallback 1
Kurinto Sans JP       12,747       203     353     0      fallback 2
Kurinto Sans KR       8,139        93      65      0      fallback 3
Kurinto Sans          0            0       0       1,213  fallback 4 (symbols)
====================  ===========  ======  ======  =====  ====================

(CJK Unified Ideographs U+4E00–9FFF has 20,992 code points; emoji counted in
U+1F300–1FAFF. Counted with fontTools, see ``coverage``.)

Each character is set in the first face of the chain that has it; a character that no
face has (𠀀 U+20000, 😀 U+1F600 …) is *refused before anything is written*
(``MissingGlyphs``), never printed as a blank box. Settings may name another body font
(e.g. an office laptop's ``simfang.ttf``) and further fallback fonts (e.g. Hanazono
Mincho ``HanaMinB.ttf`` from Debian's fonts-hanazono for CJK Extension B); they are
checked to be TrueType-outline fonts first.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import re
import struct
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

from reportlab.pdfbase import pdfmetrics, ttfonts

from ..errors import DataFileError, InvalidInput

SHIPPED_PACKAGE = "weblate_fonts"
SHIPPED_FOLDER = ("static", "weblate_fonts", "kurinto", "ttf")
SHIPPED_REGULAR = (
    "KurintoSansSC-Rg.ttf",
    "KurintoSansTC-Rg.ttf",
    "KurintoSansJP-Rg.ttf",
    "KurintoSansKR-Rg.ttf",
    "KurintoSans-Rg.ttf",
)
SHIPPED_BOLD = tuple(name.replace("-Rg.", "-Bd.") for name in SHIPPED_REGULAR)
# Emoji: Noto Emoji (SIL OFL 1.1), monochrome TrueType outlines, from the registry package
# manimgx-fonts; 1,489 code points, 😀 among them, which no Kurinto face has.
EMOJI_PACKAGE = "manimgx_fonts"
EMOJI_FILE = "NotoEmoji[wght].ttf"

# Characters that never need a glyph: line breaks become <br/>, tabs become spaces.
_NO_GLYPH = frozenset("\n\r\t")


FontSpec = tuple[Path | None, Path | None, tuple[Path, ...]]  # body, title, fallbacks


class FontFileError(DataFileError):
    """A font file that cannot be used (missing, not TrueType outlines, not a font)."""


class MissingGlyphs(InvalidInput):
    """Text holds characters that no font in the chain can print."""

    def __init__(self, missing: dict[str, list[str]], *, where: str | None = None) -> None:
        self.missing = missing
        parts = []
        for char, places in sorted(missing.items()):
            shown = ", ".join(places[:3]) + (
                f" and {len(places) - 3} more" if len(places) > 3 else ""
            )
            parts.append(f"{char!r} (U+{ord(char):04X}) in {shown}")
        super().__init__(
            "no font can print "
            + "; ".join(parts)
            + ". Nothing was written and no serial number was used. Change the text, or add "
            "a TrueType font that has these characters as a fallback font in the settings "
            "(notice_fallback_fonts) or with --fallback-font",
            where=where,
        )


# ---------------------------------------------------------------------- checking a file


def check_truetype(path: Path) -> None:
    """Refuse, with a message naming the file, anything reportlab cannot embed.

    reportlab embeds TrueType (``glyf``) outlines only: a CFF-based ``.otf``, a web font
    or a file that is no font at all is refused here rather than failing mid-document.
    """
    where = str(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
            tag = head[:4]
            if tag == b"ttcf":  # a collection: look at its first font
                fh.seek(12)
                (offset,) = struct.unpack(">I", fh.read(4))
                fh.seek(offset)
                head = fh.read(12)
                tag = head[:4]
            if tag == b"OTTO":
                raise FontFileError(
                    "is an OpenType font with CFF (PostScript) outlines, which reportlab cannot "
                    "embed; use a TrueType-outline font (.ttf), or convert this one "
                    "(e.g. with fontTools: `fonttools otf2ttf`)",
                    where=where,
                )
            if tag in (b"wOFF", b"wOF2"):
                raise FontFileError(
                    "is a web font (WOFF); use a TrueType-outline font (.ttf)", where=where
                )
            if tag not in (b"\x00\x01\x00\x00", b"true") or len(head) < 12:
                raise FontFileError("is not a TrueType font file (.ttf or .ttc)", where=where)
            (count,) = struct.unpack(">H", head[4:6])
            records = fh.read(16 * count)
    except FileNotFoundError as exc:
        raise FontFileError("font file does not exist", where=where) from exc
    except IsADirectoryError as exc:
        raise FontFileError("is a directory, not a font file", where=where) from exc
    except (OSError, struct.error) as exc:
        raise FontFileError(f"cannot be read as a font: {exc}", where=where) from exc
    tables = {records[i : i + 4] for i in range(0, len(records), 16)}
    for needed in (b"glyf", b"cmap", b"loca"):
        if needed not in tables:
            raise FontFileError(
                f"is not a TrueType-outline font (it has no '{needed.decode()}' table); "
                "use a .ttf with TrueType outlines",
                where=where,
            )


# ---------------------------------------------------------------------- faces


class Face:
    """A TrueType face, read and registered with reportlab on first use.

    The shipped fallback faces are only read when a text needs them, so a worker process
    that prints ordinary Chinese text loads one regular and one bold face.
    """

    def __init__(self, path: Path, *, prefix: str) -> None:
        self.path = path
        digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
        self.name = f"{prefix}-{re.sub(r'[^A-Za-z0-9-]', '', path.stem)[:40]}-{digest}"
        self._codepoints: frozenset[int] | None = None

    def __repr__(self) -> str:
        return f"Face({self.path.name!r})"

    @property
    def codepoints(self) -> frozenset[int]:
        return self._codepoints if self._codepoints is not None else self.load()

    def has(self, char: str) -> bool:
        codepoints = self._codepoints if self._codepoints is not None else self.load()
        return ord(char) in codepoints

    def load(self) -> frozenset[int]:
        with _lock:
            if self._codepoints is None:
                check_truetype(self.path)
                try:
                    font = ttfonts.TTFont(self.name, str(self.path), subfontIndex=0)
                except ttfonts.TTFError as exc:
                    raise FontFileError(f"cannot be used: {exc}", where=str(self.path)) from exc
                _share_glyph_table(font.face)
                pdfmetrics.registerFont(font)
                self._codepoints = frozenset(font.face.charToGlyph)
            return self._codepoints


_lock = threading.RLock()
_faces: dict[Path, Face] = {}


def _face(path: Path, *, prefix: str, eager: bool = False) -> Face:
    """The face of ``path``, one object per file and process; ``eager`` reads it now (so a
    user's bad font file is reported at once, not when a character first needs it)."""
    resolved = path.expanduser().resolve()
    with _lock:
        face = _faces.get(resolved)
        if face is None:
            face = _faces[resolved] = Face(resolved, prefix=prefix)
    if eager:
        face.load()
    return face


def shipped_font_dir() -> Path:
    """Where ``weblate-fonts`` put Kurinto Sans (a clear error when it is not installed)."""
    try:
        root = importlib.resources.files(SHIPPED_PACKAGE)
    except ModuleNotFoundError as exc:
        raise FontFileError(
            "the font package weblate-fonts is not installed; install it with "
            "`pip install weblate-fonts` (or reinstall inspect-tui)",
            where=SHIPPED_PACKAGE,
        ) from exc
    folder = Path(str(root.joinpath(*SHIPPED_FOLDER)))
    if not (folder / SHIPPED_REGULAR[0]).is_file():
        raise FontFileError(
            f"Kurinto Sans is missing from the weblate-fonts package (looked in {folder}); "
            "reinstall it with `pip install --force-reinstall weblate-fonts`",
            where=SHIPPED_PACKAGE,
        )
    return folder


def _emoji_faces() -> tuple[Face, ...]:
    """The emoji face, when its package is installed (it is a dependency)."""
    try:
        root = importlib.resources.files(EMOJI_PACKAGE)
    except ModuleNotFoundError:
        return ()
    path = Path(str(root.joinpath(EMOJI_FILE)))
    return (_face(path, prefix="ITUI"),) if path.is_file() else ()


@dataclass(frozen=True, eq=False)
class FontSet:
    """Two chains of faces, regular and bold; each character goes to the first that has it."""

    regular: tuple[Face, ...]
    bold: tuple[Face, ...]
    # the arguments of ``load_fonts`` that made it, so worker processes can make it again
    spec: FontSpec = (None, None, ())

    @property
    def body(self) -> str:
        self.regular[0].load()
        return self.regular[0].name

    @property
    def heading(self) -> str:
        self.bold[0].load()
        return self.bold[0].name

    def face_of(self, char: str, *, bold: bool = False) -> Face | None:
        for face in self.bold if bold else self.regular:
            if face.has(char):
                return face
        return None

    def missing(self, text: str) -> set[str]:
        """Characters of ``text`` that one of the chains cannot print."""
        chars = set(text) - _NO_GLYPH
        codes = {ord(c) for c in chars}
        rest = (codes - self.regular[0].codepoints) | (codes - self.bold[0].codepoints)
        out = set()
        for code in rest:
            char = chr(code)
            if self.face_of(char) is None or self.face_of(char, bold=True) is None:
                out.add(char)
        return out

    def check(self, texts: Iterable[tuple[str, str]], *, where: str | None = None) -> None:
        """Raise ``MissingGlyphs`` naming each unprintable character and where it is.

        ``texts`` are (place, text) pairs, e.g. ("problem 3 description", "…").
        """
        found: dict[str, list[str]] = {}
        for place, text in texts:
            for char in self.missing(text):
                found.setdefault(char, []).append(place)
        if found:
            raise MissingGlyphs(found, where=where)

    def markup(self, text: str, *, bold: bool = False) -> str:
        """``text`` as reportlab Paragraph markup that prints it literally.

        ``<``, ``>`` and ``&`` are escaped, line breaks become ``<br/>``, runs of spaces
        are kept, and each run of characters the first face lacks is wrapped in the
        fallback face that has it. A character no face has raises ``MissingGlyphs``.
        """
        chain = self.bold if bold else self.regular
        first = chain[0]
        if first.codepoints.issuperset(map(ord, text)):
            return _escape(text)  # the common case: one face has it all
        out: list[str] = []
        run: list[str] = []
        run_face: Face = first

        def flush() -> None:
            if not run:
                return
            piece = _escape("".join(run))
            out.append(
                piece if run_face is first else f'<font face="{run_face.name}">{piece}</font>'
            )
            run.clear()

        for char in text:
            if char in _NO_GLYPH or first.has(char):
                face = first
            else:
                found = next((f for f in chain[1:] if f.has(char)), None)
                if found is None:
                    raise MissingGlyphs({char: ["the text"]})
                face = found
            if face is not run_face:
                flush()
                run_face = face
            run.append(char)
        flush()
        return "".join(out)

    def plain(self, text: str, *, bold: bool = False) -> list[tuple[str, str]]:
        """``text`` split into (face name, piece) runs, for drawing on a canvas directly."""
        chain = self.bold if bold else self.regular
        runs: list[tuple[str, str]] = []
        for char in text:
            face = next((f for f in chain if f.has(char)), None)
            if face is None:
                raise MissingGlyphs({char: ["the text"]})
            if runs and runs[-1][0] == face.name:
                runs[-1] = (face.name, runs[-1][1] + char)
            else:
                runs.append((face.name, char))
        return runs


_OTHER_SPACE = re.compile(r"[^\S \n]")  # whitespace but not space or newline: 　 (U+3000) …


def _escape(text: str) -> str:
    text = _xml_escape(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    # reportlab folds every run of whitespace into one space: written as character
    # references, the ideographic space of 職　務 and runs of spaces keep their width
    text = _OTHER_SPACE.sub(lambda m: f"&#{ord(m.group())};", text)
    text = re.sub(r" {2,}", lambda m: " " + "&nbsp;" * (len(m.group()) - 1), text)
    return text.replace("\n", "<br/>")


def escape(text: str) -> str:
    """Text for reportlab Paragraph markup, printed literally (no font fallback)."""
    return _escape(text)


_sets: dict[FontSpec, FontSet] = {}


def load_fonts(
    font: Path | None = None,
    *,
    bold_font: Path | None = None,
    fallbacks: Sequence[Path] = (),
) -> FontSet:
    """The font chains: the user's font (if any), then the shipped Kurinto Sans faces, then
    the user's fallback fonts. Each file is checked and registered once per process."""
    key: FontSpec = (
        Path(font) if font else None,
        Path(bold_font) if bold_font else None,
        tuple(Path(p) for p in fallbacks),
    )
    cached = _sets.get(key)
    if cached is not None:
        return cached
    _fix_reportlab_tounicode()
    _fix_reportlab_line_start()
    folder = shipped_font_dir()
    shipped_regular = tuple(_face(folder / n, prefix="ITUI") for n in SHIPPED_REGULAR)
    shipped_bold = tuple(_face(folder / n, prefix="ITUI") for n in SHIPPED_BOLD)
    emoji = _emoji_faces()
    shipped_regular += emoji
    shipped_bold += emoji
    extra = tuple(_face(Path(p), prefix="ITUI-X", eager=True) for p in fallbacks)
    user = (_face(Path(font), prefix="ITUI-U", eager=True),) if font else ()
    user_bold = (_face(Path(bold_font), prefix="ITUI-U", eager=True),) if bold_font else user
    fonts = FontSet(
        regular=user + shipped_regular + extra,
        bold=user_bold + shipped_bold + extra,
        spec=key,
    )
    _sets[key] = fonts
    return fonts


def fonts_from_settings(
    font: Path | None = None,
    *,
    bold_font: Path | None = None,
    fallbacks: Sequence[Path] = (),
) -> FontSet:
    """Explicit paths (command-line options) over the settings file's ``notice_font``,
    ``notice_title_font`` and ``notice_fallback_fonts`` over the shipped default."""
    from ..settings import load_settings

    settings = load_settings()
    font = font or settings.notice_font
    bold_font = bold_font or settings.notice_title_font
    fallbacks = list(fallbacks) or list(settings.notice_fallback_fonts)
    return load_fonts(font, bold_font=bold_font, fallbacks=fallbacks)


# ---------------------------------------------------------------------- coverage

RANGES: dict[str, tuple[int, int]] = {
    "CJK Unified Ideographs": (0x4E00, 0x9FFF),
    "CJK Extension A": (0x3400, 0x4DBF),
    "CJK Extension B": (0x20000, 0x2A6DF),
    "CJK Symbols and Punctuation": (0x3000, 0x303F),
    "Halfwidth and Fullwidth Forms": (0xFF00, 0xFFEF),
    "Emoji (U+1F300–1FAFF)": (0x1F300, 0x1FAFF),
}


def coverage(fonts: FontSet) -> list[tuple[str, dict[str, int]]]:
    """Code points each face has in ``RANGES``, and what the whole regular chain has."""
    rows = []
    for face in fonts.regular:
        rows.append(
            (
                face.path.name,
                {k: sum(1 for c in face.codepoints if a <= c <= b) for k, (a, b) in RANGES.items()},
            )
        )
    union = frozenset().union(*(f.codepoints for f in fonts.regular))
    rows.append(
        ("(chain)", {k: sum(1 for c in union if a <= c <= b) for k, (a, b) in RANGES.items()})
    )
    return rows


# ---------------------------------------------------------------------- reportlab fixes


class _GlyphTable:
    """The ``glyf`` table as a view: reportlab copies the whole table (8 MB for Kurinto
    Sans SC) for every 256-glyph subset of every PDF, and slices a few glyphs out of it."""

    def __init__(self, data: bytes, pos: int, length: int) -> None:
        self._view = memoryview(data)[pos : pos + length]

    def __getitem__(self, index: slice) -> bytes:
        return self._view[index].tobytes()

    def __len__(self) -> int:
        return len(self._view)


def _share_glyph_table(face: ttfonts.TTFontFile) -> None:
    plain = face.get_table

    def get_table(tag: str) -> Any:
        if tag == "glyf":
            pos, length = face.get_table_pos(tag)
            return _GlyphTable(face._ttf_data, pos, length)
        return plain(tag)

    face.get_table = get_table  # type: ignore[method-assign]


def _tounicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's ToUnicode CMap, but with code points above U+FFFF written as UTF-16
    surrogate pairs (reportlab writes them as five hex digits, which PDF readers reject,
    so emoji and CJK Extension B characters could not be copied or searched)."""

    def utf16(code: int) -> str:
        if code <= 0xFFFF:
            return f"{code:04X}"
        return chr(code).encode("utf-16-be").hex().upper()

    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{utf16(code)}>" for i, code in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


def _fix_reportlab_tounicode() -> None:
    if "1F600" in ttfonts.makeToUnicodeCMap("x", [0x1F600]):
        ttfonts.makeToUnicodeCMap = _tounicode_cmap


# Chinese punctuation that must not start a line (標點禁則); reportlab's list is written for
# Japanese and lacks the full-width comma, colon, semicolon, ! and ? and closing 》〉.
_CANNOT_START = "，：；！？》〉』】〕）％、。」．…"


def _fix_reportlab_line_start() -> None:
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    for module in (textsplit, paragraph):  # one-run and multi-run paragraphs wrap apart
        missing = "".join(c for c in _CANNOT_START if c not in module.ALL_CANNOT_START)
        if missing:
            module.ALL_CANNOT_START += missing  # type: ignore[attr-defined]
