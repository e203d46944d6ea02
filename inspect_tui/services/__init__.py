"""The actions users take, as plain functions over a ``Store``. The TUI and the CLI call
these; neither holds a rule of its own."""
