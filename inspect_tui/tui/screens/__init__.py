"""The screens and dialogs of the field app."""
