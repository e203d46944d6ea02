"""Data is shown as written: text that looks like Rich markup ("[/b]", "[red]") or holds
CJK Extension B and emoji never crashes a screen and appears literally."""

from __future__ import annotations

from pathlib import Path

from tui_support import TODAY, build_db

from inspect_tui.models import Result
from inspect_tui.services import inspections, problems, units
from inspect_tui.tui.app import InspectApp
from inspect_tui.tui.screens.checklist import ChecklistScreen
from inspect_tui.tui.screens.problem_view import ProblemScreen
from inspect_tui.tui.screens.problems import ProblemsScreen
from inspect_tui.tui.screens.units import UnitsScreen

AWKWARD = "[/b]缺[red]記錄[/red] <b>&amp; 𠀀😀 [link=x]y"


async def test_markup_like_text_is_shown_literally_everywhere(tmp_path: Path) -> None:
    store = build_db(tmp_path / "m.db")
    units.update_unit(store, "SDC", name="送電處[/b]支部", secretary="[bold]王[/bold]")
    inspection = inspections.start_inspection(store, "SDC", date=TODAY)
    inspections.record_answer(store, inspection.id, "A1", Result.PARTLY, remark=AWKWARD)
    problem = problems.add_problem(
        store,
        inspection_id=inspection.id,
        indicator="A1",
        description=AWKWARD,
        requirement=AWKWARD,
        responsible="[i]甲[/i]",
        deadline=TODAY,
    )
    app = InspectApp(store=store, lang="zh-Hant")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        for screen in (
            UnitsScreen("[/b]"),
            ProblemsScreen(),
            ProblemScreen(problem.id),
            ChecklistScreen(inspection.id),
        ):
            app.push_screen(screen)
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
            svg = app.export_screenshot()
            assert "Traceback" not in svg
            if isinstance(screen, (ProblemScreen, ChecklistScreen)):
                assert "[/b]" in svg and "[red]" in svg  # literally, not as styles
            app.pop_screen()
            await pilot.pause()
    store.close()
