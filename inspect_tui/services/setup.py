"""What a database needs before the app opens on it. Light: it is on the start-up path,
so the checklists service (and pydantic's models) load only when there is work to do."""

from __future__ import annotations

from ..store import Store


def ensure_shipped_checklists(store: Store) -> bool:
    """A writable database without indicator systems gets the shipped ones: no inspection
    can start without one. True when they were installed now."""
    if store.readonly or store.scalar("SELECT EXISTS (SELECT 1 FROM checklists)"):
        return False
    from . import checklists

    checklists.install_shipped(store)
    return True
