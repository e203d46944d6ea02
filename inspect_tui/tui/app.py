"""The field app: ``InspectApp(store=..., lang=...).run()``.

The app owns the database thread (``Database``), the language and the clock; screens
read and write only through services, on that thread.

For development: ``python -m inspect_tui.tui.app DB [--lang en]`` opens ``DB``.
"""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette, Provider
from textual.widgets import Input

from ..clock import Clock
from ..i18n import set_language, t
from ..launch import resume_collection
from ..store import Store
from . import messages as _messages  # noqa: F401  (registers the UI strings)
from .database import Database
from .keys import localize_bindings
from .screens.home import HomeScreen
from .text import pasted, shown_path
from .widgets.evidence import Opener, prepare_images, system_open

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from ..services.benchmark_settings import BenchmarkSettings
    from ..settings import Settings

# Start-up imports only what the home screen shows (``tests/test_startup_imports.py``
# keeps it so). Every other screen, the help screen and the command palette's provider
# are imported where they are first opened, and the main ones by ``warm_up`` once the
# home screen is ready: they pull in pydantic and the services that import pypinyin
# (together ~0.4 s), which start-up should not wait for.
LATER_MODULES = (
    "inspect_tui.tui.screens.units",
    "inspect_tui.tui.screens.checklist",
    "inspect_tui.tui.screens.problem_view",
    "inspect_tui.tui.screens.problems",
)


def _commands() -> type[Provider]:
    """The command palette's provider, imported when the palette first opens."""
    from .commands import InspectCommands

    return InspectCommands


DARK, LIGHT = "textual-dark", "textual-light"


class InspectApp(App[None]):
    """Inspections from the keyboard: home, units, checklist, sign-off."""

    CSS_PATH = "app.tcss"
    COMMANDS = {_commands}
    ENABLE_COMMAND_PALETTE = True
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]

    BINDINGS = [
        Binding("ctrl+q", "quit", "key.quit", id="app.quit", priority=True),
        Binding("f1,question_mark", "help", "key.help", id="app.help", key_display="?"),
        Binding("ctrl+t", "toggle_theme", "key.theme", id="app.theme"),
        Binding(
            "ctrl+p", "command_palette", "key.palette", id="app.palette", priority=True, show=False
        ),
    ]

    def __init__(
        self,
        store: Store,
        lang: str = "en",
        *,
        clock: Clock | None = None,
        ask_user: bool = False,
        opener: Opener | None = None,
        settings: Settings | None = None,
    ) -> None:
        """``ask_user``: no name is configured (the store writes the login name), so the
        first screen asks for the inspector's name."""
        set_language(lang)
        super().__init__()
        localize_bindings(self)
        self.store = store
        self.lang = lang
        self.clock: Clock = clock or store.clock
        self.db = Database(store)
        self.ask_user = ask_user
        # evidence opens in the system's viewer; tests pass an opener that records
        self.opener: Opener = opener or system_open
        self._settings = settings
        self._home_shown = False
        prepare_images()
        self.title = t("app.title")
        self.theme = DARK

    # ------------------------------------------------------------------ lifecycle

    def get_default_screen(self) -> HomeScreen:
        # home is the bottom of the stack: drawn first, never a blank screen under it
        return HomeScreen()

    def on_mount(self) -> None:
        if self.ask_user:
            self.ask_for_user()

    def home_shown(self) -> None:
        """The home screen has read its lists once (or failed to): start what start-up
        does not wait for, the file's quick_check and importing the other screens."""
        if self._home_shown:
            return
        self._home_shown = True
        resume_collection()  # paused by the inspect-tui command for start-up
        self.check_database()
        self.warm_up()

    @work(thread=True, group="integrity", exit_on_error=False)
    def check_database(self) -> None:
        """quick_check after the first screen is up (seconds on a large file, which would
        compete with the home screen's queries): a damaged file becomes read-only, and the
        user is told to restore a backup."""
        problem = self.store.verify()  # its own connection: the screens' queries don't wait
        if problem:
            self.call_from_thread(
                self.notify, t("common.damaged_db", reason=problem), severity="error", timeout=60
            )

    def on_unmount(self) -> None:
        self.store.stop_verify()  # quitting need not wait for the file's check
        self.db.close()

    def today(self) -> dt.date:
        return self.clock.today()

    @property
    def settings(self) -> Settings:
        """The settings (attachment size limit, evidence rule), read when first needed."""
        if self._settings is None:
            from ..settings import load_settings

            self._settings = load_settings()
        return self._settings

    @property
    def benchmark_settings(self) -> BenchmarkSettings:
        """Review roles, lagging rule, over-reporting margin (``benchmark.yaml``), read when
        first needed (a bad file raises ``DataFileError``, shown by the screen)."""
        found: BenchmarkSettings | None = getattr(self, "_benchmark_settings", None)
        if found is None:
            from ..services.benchmark_settings import load_benchmark_settings

            found = self._benchmark_settings = load_benchmark_settings()
        return found

    @benchmark_settings.setter
    def benchmark_settings(self, value: BenchmarkSettings) -> None:
        self._benchmark_settings = value

    @work(thread=True, group="warm-up")
    def warm_up(self) -> None:
        """Import the other screens in the background once the home screen is shown."""
        for name in LATER_MODULES:
            importlib.import_module(name)

    # ------------------------------------------------------------------ navigation

    def go_home(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def go_units(self, text: str = "") -> None:
        from .screens.units import UnitsScreen

        for screen in self.screen_stack:
            if isinstance(screen, UnitsScreen):
                units: UnitsScreen = screen
                while self.screen is not units:
                    self.pop_screen()
                units.set_filter(text)
                return
        self.push_screen(UnitsScreen(text))

    def open_inspection(self, inspection_id: str) -> None:
        from .screens.checklist import ChecklistScreen

        self.push_screen(ChecklistScreen(inspection_id))

    def open_problem(self, problem_id: str) -> None:
        from .screens.problem_view import ProblemScreen

        self.push_screen(ProblemScreen(problem_id))

    def go_problems(self) -> None:
        from .screens.problems import ProblemsScreen

        for screen in self.screen_stack:
            if type(screen) is ProblemsScreen:
                while self.screen is not screen:
                    self.pop_screen()
                return
        self.push_screen(ProblemsScreen())

    def open_unit_problems(self, unit_id: str) -> None:
        from .screens.problems import UnitProblemsScreen

        self.push_screen(UnitProblemsScreen(unit_id))

    def open_reinspection(self, unit_id: str, inspection_id: str) -> None:
        from .screens.problems import ReinspectionScreen

        self.push_screen(ReinspectionScreen(unit_id, inspection_id))

    def open_merge(self) -> None:
        from .screens.merge import MergeScreen

        if not isinstance(self.screen, MergeScreen):
            self.push_screen(MergeScreen())

    def open_conflicts(self) -> None:
        from .screens.conflicts import ConflictsScreen

        if not isinstance(self.screen, ConflictsScreen):
            self.push_screen(ConflictsScreen())

    def open_audit_log(self, unit: str = "") -> None:
        from .screens.audit import AuditScreen

        if not isinstance(self.screen, AuditScreen):
            self.push_screen(AuditScreen(unit))

    # benchmarking: the monthly ranking, notices, the practice library (keys on home)

    def action_ranking(self, month: str | None = None) -> None:
        from .screens.ranking import RankingScreen

        if not isinstance(self.screen, RankingScreen):
            self.push_screen(RankingScreen(month))

    def action_notices(self, unit_id: str | None = None) -> None:
        from .screens.notices import NoticesScreen

        if not isinstance(self.screen, NoticesScreen):
            self.push_screen(NoticesScreen(unit_id))

    def action_practices(self) -> None:
        from .screens.practices import PracticesScreen

        if not isinstance(self.screen, PracticesScreen):
            self.push_screen(PracticesScreen())

    def back_up(self) -> None:
        """Ask where to, then make a consistent copy of the database."""
        from .screens.backup import BackupDialog

        def done(path: Path | None) -> None:
            if path is not None:
                self.clear_notifications()  # the reminder, if shown, is answered
                self.notify(t("backup.done", path=shown_path(path)), timeout=8)

        if not isinstance(self.screen, BackupDialog):
            self.push_screen(BackupDialog(), done)

    def ask_for_user(self) -> None:
        from .screens.user import UserDialog

        def done(name: str | None) -> None:
            if name:
                self.ask_user = False

        self.push_screen(UserDialog(), done)

    # ------------------------------------------------------------------ actions

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Paste) and not event.is_forwarded:
            from textual.widgets import TextArea  # a paste is rare: not on the start path

            if isinstance(self.focused, Input | TextArea):
                text = pasted(event.text, one_line=isinstance(self.focused, Input))
                if text != event.text:
                    event = events.Paste(text)
        await super().on_event(event)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Notifications show their text literally, never as markup: they quote names,
        units, files and refused input, in which ``[/b]`` crashed the toast."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK
        self.notify(
            t("common.theme_light" if self.theme == LIGHT else "common.theme_dark"), timeout=2
        )

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(cast("App[object]", self)):
            self.push_screen(
                CommandPalette(placeholder=t("cmd.placeholder"), id="--command-palette")
            )
