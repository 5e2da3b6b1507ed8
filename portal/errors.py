"""The one error for an operation a rule refused.

Services raise `RefusalError` (registering for a full event, publishing a summary before its
meeting, deciding a proposal twice …), and the apps' `*_refusal` functions return one; views
and admin actions catch it and show `message` to the person as it is. `code` names the rule
for code and tests (`"full"`, `"closed"` …), never for people.
"""

from __future__ import annotations

from django.utils.functional import Promise


class RefusalError(Exception):
    """A rule refused the operation; `message` is shown to the person as it is."""

    def __init__(self, message: str | Promise, code: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code
