"""What every screen and dialog shares: localized keys, a back key, waiting for a write,
reporting errors."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button

from ...errors import InspectError
from ...i18n import t
from ..keys import localize_bindings

if TYPE_CHECKING:
    from ..app import InspectApp
    from ..database import Database

R = TypeVar("R")


def error_text(error: BaseException) -> str:
    """What a person reads about ``error``: the domain message, or the exception itself."""
    if isinstance(error, InspectError):
        return error.message
    return f"{type(error).__name__}: {error}"


class SaveFailed(Message):
    """A write was refused (bad input caught by a service, a busy or read-only file)."""

    def __init__(self, error: Exception, what: str = "") -> None:
        super().__init__()
        self.error = error
        self.what = what

    @property
    def where(self) -> str | None:
        return getattr(self.error, "where", None)


class LoadFailed(Message):
    """A read failed; the screen keeps what it showed."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


def add_size_classes(screen: Screen[Any]) -> None:
    """Give a new screen the breakpoint classes (``-tall``…) of the terminal's size now.
    Textual adds them on the screen's first resize, and a class changed on a screen
    restyles every widget in it: for the home screen, a seventh of start-up."""
    try:
        app = screen.app
    except RuntimeError:  # NoActiveAppError: built outside a running app
        return
    for dimension, points in (
        (app.size.width, screen.HORIZONTAL_BREAKPOINTS or app.HORIZONTAL_BREAKPOINTS),
        (app.size.height, screen.VERTICAL_BREAKPOINTS or app.VERTICAL_BREAKPOINTS),
    ):
        for threshold, name in sorted(points or [], reverse=True):
            if dimension >= threshold:
                screen.add_class(name, update=False)
                break


class _UsesDatabase:
    """Access to the app's database thread, and a worker that waits for one write."""

    app: Any
    post_message: Callable[[Message], bool]

    @property
    def inspect_app(self) -> InspectApp:
        return self.app  # type: ignore[no-any-return]

    @property
    def db(self) -> Database:
        return self.inspect_app.db

    def await_write(
        self, future: Future[Any], done: Callable[[Any], Message], what: str = ""
    ) -> None:
        """Post ``done(result)`` once ``future`` (a queued write) has committed, or
        ``SaveFailed``. Leaving the screen drops the message, never the write."""
        self._wait_write(future, done, what)

    @work(thread=True, group="write")
    def _wait_write(self, future: Future[Any], done: Callable[[Any], Message], what: str) -> None:
        try:
            result = future.result()
        except Exception as error:
            self.post_message(SaveFailed(error, what))
            return
        self.post_message(done(result))


class BaseScreen(_UsesDatabase, Screen[R]):
    """A full screen of the app."""

    BINDINGS = [
        Binding("escape", "back", "key.back", id="screen.back"),
        Binding("ctrl+r,f5", "refresh", "key.refresh", id="screen.refresh", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        localize_bindings(self)
        add_size_classes(self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return len(self.app.screen_stack) > 1
        return True

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss()

    def action_refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the screen's data again (another instance may have saved work)."""

    def report(self, error: BaseException) -> None:
        self.notify(t("common.save_failed", message=error_text(error)), severity="error", timeout=8)

    def on_load_failed(self, message: LoadFailed) -> None:
        self.report(message.error)

    def on_save_failed(self, message: SaveFailed) -> None:
        self.report(message.error)


class BaseDialog(_UsesDatabase, ModalScreen[R]):
    """A dialog over the current screen: escape cancels, ctrl+s saves."""

    BINDINGS = [
        Binding("escape", "cancel", "key.cancel", id="dialog.cancel"),
        Binding("ctrl+s", "save", "key.save", id="dialog.save"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        localize_bindings(self)
        add_size_classes(self)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        """Validate, then save; each dialog says how."""

    @on(Button.Pressed, "#ok")
    def _ok_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def show_first_error(self) -> None:
        """Bring the first field that says what is wrong into view, and focus it."""
        for field in self.query(".field.-invalid"):
            field.scroll_visible(animate=False)
            control = getattr(field, "control", None)
            if control is not None and control.focusable:
                control.focus()
            return

    def on_load_failed(self, message: LoadFailed) -> None:
        self.notify(t("common.save_failed", message=error_text(message.error)), severity="error")
