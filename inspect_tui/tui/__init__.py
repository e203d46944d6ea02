"""The Textual face of inspect_tui: screens over the services, nothing more.

Importing this package merges the TUI's strings into ``i18n.MESSAGES``.
"""

from . import messages as _messages  # noqa: F401  (registers the UI strings)
