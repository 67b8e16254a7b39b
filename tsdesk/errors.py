"""Error types that separate a user's mistake from a bug in tsdesk."""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input: a file, a column, a date, a parameter, a split.

    The message names the problem and where it is; the GUI shows it in a dialog, the CLI prints
    it as one ``error: ...`` line and exits with code 2. Never shown with a traceback.
    """


class Cancelled(Exception):
    """Raised inside a trainer when the user asked to stop; the run ends as 'cancelled'."""
