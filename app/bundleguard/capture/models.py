"""The shapes capture works with: rectangles, monitors, strategies and their results.

No Qt and no Pillow import here: the GUI builds `Monitor`s from its screens and passes its
own strategies in; images are Pillow images, typed only for the reader.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bundleguard.errors import BundleGuardError

if TYPE_CHECKING:
    from PIL import Image


class CaptureError(BundleGuardError):
    """A screenshot could not be taken, read, cropped or written as asked."""


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle in whole pixels (logical or physical, as its owner says)."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0

    def intersected(self, other: Rect) -> Rect:
        """The part of this rectangle inside `other` (empty when they do not meet)."""
        left, top = max(self.x, other.x), max(self.y, other.y)
        right, bottom = min(self.right, other.right), min(self.bottom, other.bottom)
        return Rect(left, top, max(0, right - left), max(0, bottom - top))

    @classmethod
    def from_corners(cls, x1: int, y1: int, x2: int, y2: int) -> Rect:
        """The rectangle spanned by two corners given in any order."""
        return cls(min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1))


@dataclass(frozen=True)
class Monitor:
    """One screen: where it sits in logical (device-independent) and physical pixels.

    `logical` is what the window system reports to applications (Qt's `QScreen.geometry`);
    `physical` is the same screen in device pixels, which is what its image holds: a screen
    with `scale` 2 and a logical width of 1280 gives an image 2560 pixels wide.
    """

    index: int
    name: str
    logical: Rect
    physical: Rect
    scale: float
    primary: bool = False

    @classmethod
    def from_logical(
        cls, index: int, name: str, logical: Rect, scale: float, *, primary: bool = False
    ) -> Monitor:
        """A monitor whose device pixels are its logical ones times `scale`.

        The origin is kept as it is: Qt places each screen's logical rectangle at its native
        top-left corner and scales only the size, so that screens never overlap or leave gaps.
        """
        physical = Rect(
            logical.x, logical.y, round(logical.width * scale), round(logical.height * scale)
        )
        return cls(index, name, logical, physical, scale, primary)

    @property
    def label(self) -> str:
        """How a user recognises the screen: number, name, size and scale."""
        name = f" ({self.name})" if self.name else ""
        primary = ", main screen" if self.primary else ""
        return (
            f"Screen {self.index + 1}{name}: {self.physical.width}×{self.physical.height}"
            f" at {round(self.scale * 100)} %{primary}"
        )


class StrategyKind(enum.IntEnum):
    """Every way of getting a screenshot, in the order they are tried.

    `IMAGE_FILE` is never tried by `capture_screen`: it is the user's own screenshot,
    pasted, dropped or opened, which always remains possible.
    """

    MSS = enum.auto()
    QT_GRAB = enum.auto()
    PORTAL = enum.auto()
    IMAGE_FILE = enum.auto()


class Strategy(Protocol):
    """One way of capturing a screen (normcap's handler protocol)."""

    kind: StrategyKind
    install_instructions: str
    """What to install or allow so that this strategy can work, in plain words."""

    def is_compatible(self) -> bool:
        """Could this strategy work on this kind of system at all?"""

    def is_installed(self) -> bool:
        """Is everything it needs present (library, service)?"""

    def capture(self, monitor: Monitor) -> Image.Image:
        """The whole monitor in physical pixels; raises `CaptureError` or `OSError`."""


@dataclass(frozen=True)
class Attempt:
    """What one strategy did: taken, skipped, or why it failed."""

    kind: StrategyKind
    outcome: str  # "captured", "not for this system", "not installed", "failed", "blank"
    detail: str = ""


@dataclass(frozen=True, eq=False)
class CaptureResult:
    """A screenshot of one monitor, or the plain-words reason why none could be taken."""

    image: Image.Image | None
    strategy: StrategyKind | None
    reason: str
    attempts: tuple[Attempt, ...] = ()

    @property
    def ok(self) -> bool:
        return self.image is not None
