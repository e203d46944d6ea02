"""Evidence attached to answers, problems and rectifications, kept inside the database.

Files are stored once per content (SHA-256) in ``blobs``; ``attachments`` says what each
is attached to, its original name, size, type (detected from the bytes, not the name),
image dimensions, who attached it and when. The database stays one file that carries
everything, and the hot queries never read a blob.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidInput, NotFound
from ..i18n import t
from ..store import Store

OWNERS = {"problem": "problems", "answer": "answers", "rectification": "rectifications"}
DEFAULT_LIMIT_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    id: str
    owner_table: str
    owner_id: str
    sha256: str
    name: str
    size: int
    mime: str
    width: int | None
    height: int | None
    attached_by: str
    created_at: str

    def describe(self) -> str:
        """The line shown where no image can be drawn: name, size, dimensions."""
        dims = f", {self.width}×{self.height}" if self.width and self.height else ""
        return f"{self.name} ({human_size(self.size)}, {self.mime}{dims})"

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def _owner(store: Store, owner: str, owner_id: str) -> str:
    table = OWNERS.get(owner) or (owner if owner in OWNERS.values() else None)
    if table is None:
        raise InvalidInput(f"evidence attaches to {', '.join(OWNERS)}; not to {owner!r}")
    if not store.scalar(f"SELECT 1 FROM {table} WHERE id = ?", (owner_id,)):
        raise NotFound(f"no {table[:-1]} with id {owner_id!r}")
    return table


def read_file(path: Path, *, limit: int = DEFAULT_LIMIT_BYTES) -> bytes:
    """The bytes of a file a person chose, or a message naming what is wrong with it."""
    where = str(path)
    if not path.exists():
        raise InvalidInput(t("err.file_missing"), where=where)
    if path.is_dir():
        raise InvalidInput(t("err.file_is_dir"), where=where)
    size = path.stat().st_size
    if size > limit:
        raise InvalidInput(
            t("err.file_too_big", size=human_size(size), limit=human_size(limit)),
            where=where,
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(t("err.cannot_read", reason=exc.strerror), where=where) from exc


def detect(data: bytes) -> tuple[str, int | None, int | None]:
    """MIME type from the content, and an image's width and height."""
    import filetype

    kind = filetype.guess(data)
    mime = kind.mime if kind else _text_or_binary(data)
    width = height = None
    if mime.startswith("image/"):
        try:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
        except Exception:  # a damaged image is still evidence; it just has no size
            pass
    return mime, width, height


def _text_or_binary(data: bytes) -> str:
    try:
        data[:65536].decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def attach(
    store: Store, owner: str, owner_id: str, path: Path, *, limit: int = DEFAULT_LIMIT_BYTES
) -> Attachment:
    """Attach a file; attaching the same content to the same item again changes nothing."""
    table = _owner(store, owner, owner_id)
    data = read_file(path, limit=limit)
    digest = hashlib.sha256(data).hexdigest()
    attachment_id = store.key_id("attachment", table, owner_id, digest)
    existing = store.one("SELECT * FROM attachments WHERE id = ?", (attachment_id,))
    if existing:
        return _attachment(existing)
    mime, width, height = detect(data)
    with store.write():
        store.conn.execute(
            "INSERT OR IGNORE INTO blobs (sha256, size, data) VALUES (?, ?, ?)",
            (digest, len(data), data),
        )
        store.insert(
            "attachments",
            {
                "id": attachment_id,
                "owner_table": table,
                "owner_id": owner_id,
                "sha256": digest,
                "name": path.name,
                "size": len(data),
                "mime": mime,
                "width": width,
                "height": height,
                "attached_by": store.user,
            },
        )
    return get_attachment(store, attachment_id)


def get_attachment(store: Store, attachment_id: str) -> Attachment:
    row = store.one(
        "SELECT * FROM attachments WHERE id = ? OR id LIKE ?", (attachment_id, attachment_id + "%")
    )
    if row is None:
        raise NotFound(f"no attachment {attachment_id!r}")
    return _attachment(row)


def _attachment(row: dict[str, Any]) -> Attachment:
    return Attachment(**{k: row[k] for k in Attachment.__dataclass_fields__})


def attachments_of(store: Store, owner: str, owner_id: str) -> list[Attachment]:
    table = OWNERS.get(owner, owner)
    rows = store.all(
        "SELECT * FROM attachments WHERE owner_table = ? AND owner_id = ? ORDER BY created_at, name",
        (table, owner_id),
    )
    return [_attachment(r) for r in rows]


def attachments_of_problem(store: Store, problem_id: str) -> list[Attachment]:
    """The problem's own evidence and its rectifications' evidence."""
    rows = store.all(
        """SELECT * FROM attachments
           WHERE (owner_table = 'problems' AND owner_id = :p)
              OR (owner_table = 'rectifications'
                  AND owner_id IN (SELECT id FROM rectifications WHERE problem_id = :p))
           ORDER BY created_at, name""",
        {"p": problem_id},
    )
    return [_attachment(r) for r in rows]


def attachments_of_inspection(store: Store, inspection_id: str) -> list[Attachment]:
    rows = store.all(
        """SELECT * FROM attachments WHERE owner_table = 'answers'
           AND owner_id IN (SELECT id FROM answers WHERE inspection_id = :i)
           UNION ALL
           SELECT * FROM attachments WHERE owner_table = 'problems'
           AND owner_id IN (SELECT id FROM problems WHERE inspection_id = :i)
           ORDER BY created_at, name""",
        {"i": inspection_id},
    )
    return [_attachment(r) for r in rows]


def rectification_evidence_count(store: Store, problem_id: str) -> int:
    return int(
        store.scalar(
            """SELECT count(*) FROM attachments WHERE owner_table = 'rectifications'
               AND owner_id IN (SELECT id FROM rectifications WHERE problem_id = ?)""",
            (problem_id,),
        )
    )


def content(store: Store, attachment: Attachment) -> bytes:
    data = store.scalar("SELECT data FROM blobs WHERE sha256 = ?", (attachment.sha256,))
    if data is None:
        raise NotFound(t("err.evidence_missing", name=attachment.name))
    return bytes(data)


def remove(store: Store, attachment_id: str) -> None:
    """Detach (the deletion travels to other laptops as a tombstone)."""
    store.delete("attachments", get_attachment(store, attachment_id).id)


# ---------------------------------------------------------------------- files out

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
MAX_NAME_BYTES = 200


def safe_filename(name: str, *, fallback: str = "file") -> str:
    """A name that is safe on every filesystem: no path separators or `..`, no control or
    Windows-reserved characters, not a reserved device name, at most 200 UTF-8 bytes
    (the extension kept)."""
    name = unicodedata.normalize("NFC", name)
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:16]
    if not stem or stem.upper().split(".")[0] in _RESERVED:
        stem = f"{fallback}_{stem}" if stem else fallback
    budget = MAX_NAME_BYTES - len(ext.encode()) - 1
    while len(stem.encode()) > budget:
        stem = stem[:-1]
    return f"{stem}.{ext}" if ext else stem


def unique_path(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name (2)``, ``name (3)`` … if taken: never overwrites."""
    candidate = folder / name
    stem, suffix = candidate.stem, candidate.suffix
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem} ({n}){suffix}"
        n += 1
    return candidate


def write_out(store: Store, attachment: Attachment, folder: Path) -> Path:
    target = unique_path(folder, safe_filename(attachment.name))
    data = content(store, attachment)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".evidence-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def export(store: Store, attachments: list[Attachment], out: Path) -> list[Path]:
    """Write attachments into ``out`` with safe, unique names."""
    if not out.is_dir():
        raise InvalidInput(t("err.not_an_existing_folder"), where=str(out))
    if not os.access(out, os.W_OK):
        raise InvalidInput(t("err.is_readonly"), where=str(out))
    return [write_out(store, a, out) for a in attachments]


def open_copy(store: Store, attachment_id: str) -> Path:
    """Write an attachment to a private temporary folder, for the system's viewer."""
    attachment = get_attachment(store, attachment_id)
    folder = Path(tempfile.mkdtemp(prefix="inspect-tui-evidence-"))
    return write_out(store, attachment, folder)
