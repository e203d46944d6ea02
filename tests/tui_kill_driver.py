"""Child process of ``test_tui_kill.py``: opens the app on DB, resumes the inspection in
progress from the home screen, answers N items with the ``1`` key (each committed by the
app as it would be for a person), prints the answered indicator ids, then waits to be
killed.

    python tests/tui_kill_driver.py DB N
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tui_support import open_db  # noqa: E402

from inspect_tui.tui.app import InspectApp  # noqa: E402
from inspect_tui.tui.screens.checklist import ChecklistScreen  # noqa: E402


async def drive(db: Path, count: int) -> None:
    store = open_db(db, seed=99)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChecklistScreen), screen
        answered = []
        for _ in range(count):
            current = screen.current
            assert current is not None
            answered.append(current.id)
            await pilot.press("1")
        await app.workers.wait_for_complete()
        await pilot.pause()
        print("ANSWERED " + " ".join(answered), flush=True)
        await asyncio.Event().wait()  # until SIGKILL


if __name__ == "__main__":
    asyncio.run(drive(Path(sys.argv[1]), int(sys.argv[2])))
