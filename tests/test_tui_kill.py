"""Killing the app (SIGKILL, as when a laptop dies) in the middle of an inspection loses
no answer entered before the kill, and the inspection resumes where it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tui_support import build_db, open_db, settle

from inspect_tui.services import inspections
from inspect_tui.tui.app import InspectApp
from inspect_tui.tui.screens.checklist import ChecklistScreen

DRIVER = Path(__file__).resolve().parent / "tui_kill_driver.py"
ANSWERS = 4


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
async def test_sigkill_loses_no_answer_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "demo.db"
    store = build_db(path)
    current = str(store.scalar("SELECT id FROM inspections WHERE state = 'in_progress'"))
    before = set(inspections.answers_of(store, current))
    store.close()

    env = dict(os.environ, PYTHONUNBUFFERED="1")
    child = subprocess.Popen(
        [sys.executable, str(DRIVER), str(path), str(ANSWERS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # blocks until the child has answered
        assert line.startswith("ANSWERED "), (line, child.stderr.read() if child.stderr else "")
        answered = line.split()[1:]
        assert len(answered) == ANSWERS
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    # Every answer is in the file (the WAL is replayed on open), none was lost.
    reopened = open_db(path, seed=11)
    try:
        saved = inspections.answers_of(reopened, current)
        assert set(saved) == before | set(answered)
        assert all(saved[i].result.value == "conforms" for i in answered)
        # the driver answered with "1", which moves on: the cursor is on the next item
        items = [i.id for i in inspections.unanswered(reopened, current)]
        cursor = inspections.get_inspection(reopened, current).cursor_indicator_id
        assert cursor == items[0]

        # Reopening the app resumes at that indicator.
        monkeypatch.chdir(tmp_path)
        app = InspectApp(store=reopened, lang="en")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ChecklistScreen)
            assert screen.current is not None and screen.current.id == cursor
            assert screen.score is not None and screen.score.answered == len(before) + ANSWERS
    finally:
        reopened.close()
