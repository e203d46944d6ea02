"""Tamper evidence: a sign-off (or a published month) seals a SHA-256 of its content,
chained to the previous seal written on the same device. ``inspect-tui check`` recomputes
both and names what no longer matches — for example a signed-off answer edited with
another SQLite tool."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from ..store import Store


def _chain(prev_chain: str, content_hash: str) -> str:
    return hashlib.sha256(f"{prev_chain}:{content_hash}".encode()).hexdigest()


def seal(store: Store, kind: str, ref_id: str, content_hash: str) -> None:
    with store.write() as db:
        prev = store.one(
            "SELECT id, chain_hash FROM seals WHERE device_id = ? ORDER BY at DESC, rowid DESC LIMIT 1",
            (store.device_id,),
        )
        db.table("seals").insert(
            {
                "id": store.new_id(),
                "kind": kind,
                "ref_id": ref_id,
                "content_hash": content_hash,
                "prev_id": prev["id"] if prev else None,
                "chain_hash": _chain(prev["chain_hash"] if prev else "", content_hash),
                "at": store.now_iso(),
                "by": store.user,
                "device_id": store.device_id,
            }
        )


@dataclass(frozen=True)
class Broken:
    kind: str
    ref_id: str
    message: str


def verify(store: Store, current_hashes: dict[str, Callable[[], dict[str, str]]]) -> list[Broken]:
    """Check the chain links and that each sealed record still has its latest sealed hash.

    ``current_hashes`` maps a seal kind to a function returning {ref_id: hash of its
    content now}.
    """
    broken: list[Broken] = []
    rows = store.all("SELECT rowid AS _order, * FROM seals")
    by_id = {r["id"]: r for r in rows}
    for row in rows:
        prev = by_id.get(row["prev_id"]) if row["prev_id"] else None
        if row["prev_id"] and prev is None:
            broken.append(
                Broken(
                    row["kind"], row["ref_id"], f"seal {row['id']} follows a seal that is missing"
                )
            )
            continue
        if row["chain_hash"] != _chain(prev["chain_hash"] if prev else "", row["content_hash"]):
            broken.append(Broken(row["kind"], row["ref_id"], f"seal {row['id']} breaks the chain"))
    latest: dict[tuple[str, str], dict[str, object]] = {}
    for row in sorted(rows, key=lambda r: (r["at"], r["_order"])):  # same time: written later
        latest[(row["kind"], row["ref_id"])] = row
    for kind, compute in current_hashes.items():
        now = compute()
        for (seal_kind, ref_id), row in latest.items():
            if seal_kind != kind:
                continue
            if now.get(ref_id) != row["content_hash"]:
                broken.append(
                    Broken(
                        kind, ref_id, "content no longer matches its seal (edited outside the app?)"
                    )
                )
    return broken
