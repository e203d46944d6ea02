"""Evidence on screen: an image drawn inside the terminal where the terminal can draw one
(textual-image: Sixel, Kitty's graphics protocol, or coloured half cells), otherwise a
line that describes the file — name, size, type, dimensions.

textual-image asks the terminal what it can draw, which is impossible once Textual reads
the keyboard: ``prepare_images`` runs before the app starts. Without a terminal (tests,
pipes) there is no preview, only the described line.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Label

if TYPE_CHECKING:  # annotations only: the app imports this module at start-up
    from ...services.evidence import Attachment

Opener = Callable[[Path], None]

_image_widget: type[Widget] | None = None
_prepared = False


def prepare_images() -> None:
    """Learn whether this terminal draws images (once, before the app starts)."""
    global _prepared, _image_widget
    if _prepared:
        return
    _prepared = True
    out = sys.__stdout__
    if out is None or not out.isatty() or os.environ.get("INSPECT_TUI_NO_IMAGES"):
        return
    try:
        from textual_image.widget import Image
    except Exception:  # no package or a terminal that does not answer: described lines
        return
    _image_widget = Image


def use_image_widget(widget: type[Widget] | None) -> None:
    """Draw previews with ``widget`` (``None``: described lines only); for tests."""
    global _prepared, _image_widget
    _prepared = True
    _image_widget = widget


def image_widget() -> type[Widget] | None:
    return _image_widget


def system_open(path: Path) -> None:
    """Open ``path`` with the system's viewer, without waiting for it."""
    if sys.platform == "win32":
        os.startfile(path)  # type: ignore[attr-defined]  # noqa: S606
        return
    command = ["open" if sys.platform == "darwin" else "xdg-open", str(path)]
    subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


class EvidencePreview(Vertical):
    """The highlighted attachment: its described line, and the image when one is drawn."""

    def compose(self) -> ComposeResult:
        yield Label("", id="evidence-line", classes="evidence-line", markup=False)

    def show(self, attachment: Attachment | None, data: bytes | None = None) -> None:
        line = self.query_one("#evidence-line", Label)
        line.update(attachment.describe() if attachment else "")
        for old in self.query(".evidence-image"):
            old.remove()
        widget = image_widget()
        if attachment is None or data is None or widget is None or not attachment.is_image:
            self.set_class(False, "-image")
            return
        try:
            from PIL import Image as PILImage

            picture = PILImage.open(io.BytesIO(data))
            picture.load()
            make: Any = widget  # textual-image's widgets take the picture first
            image = make(picture, classes="evidence-image")
        except Exception:  # a damaged image is still evidence: its line stays
            self.set_class(False, "-image")
            return
        self.set_class(True, "-image")
        self.mount(image)

    @staticmethod
    def wants_content(attachment: Attachment | None) -> bool:
        """Whether showing ``attachment`` needs its bytes (an image, drawn)."""
        return attachment is not None and attachment.is_image and image_widget() is not None
