"""The window's five steps as data: a page that sends the user elsewhere names a `Step`,
never an index, and every "in step N" of a sentence is the step's own number.

No Qt here. `Step` (in the window's order), `STEPS` (the same, as a tuple), and for each
step `.title` ("Bundle & email"), `.number` (1-based, as the steps list shows it),
`.index` (0-based) and `.label` ("4 Bundle & email").
"""

from __future__ import annotations

import enum


class Step(enum.Enum):
    """One step of the window, valued by its title."""

    CASE = "Case"
    CERTIFICATES = "Certificates"
    SCREENSHOT = "Screenshot"
    BUNDLE = "Bundle & email"
    REPLICATE = "Replicate"

    @property
    def title(self) -> str:
        return self.value

    @property
    def index(self) -> int:
        return STEPS.index(self)

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def label(self) -> str:
        """What the steps list shows: the number, then the title."""
        return f"{self.number} {self.title}"


STEPS: tuple[Step, ...] = tuple(Step)

__all__ = ["STEPS", "Step"]
