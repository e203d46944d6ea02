"""Widgets the screens share."""

from .buttons import DialogButtons
from .field import Field, FieldError
from .section import Section
from .table import Table

__all__ = ["DialogButtons", "Field", "FieldError", "Section", "Table"]
