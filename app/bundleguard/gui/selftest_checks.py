"""The self-test's Qt checks (`bundleguard --selftest`): Qt starts with its image format
plugins, PySide6 keeps the reference counts of None, True and False, and the real main
window paints. Here because Qt is imported only in `gui/`.

A check returns what it saw, or raises `QtCheckFailed` with a sentence for the user; the
self-test (`bundleguard.selftest`) calls these and reports them. This module never imports
the self-test: the dependency goes one way, from the shell's self-test into `gui/`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path


class QtCheckFailed(Exception):
    """A Qt check did not see what it should have; the message says what, to a user."""


_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32">'
    b'<rect width="32" height="32" fill="#1f4e8c"/><circle cx="16" cy="16" r="8" fill="#f2b632"/>'
    b"</svg>"
)


def _qt_application():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["bundleguard-selftest"])


def check_qt(folder: Path) -> str:
    """Qt starts, and the image formats the window reads and writes are all there."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QColor, QImage

    app = _qt_application()
    formats = []
    for fmt in ("PNG", "JPEG", "ICO"):
        image = QImage(48, 48, QImage.Format.Format_RGB32)
        image.fill(QColor(31, 78, 140))
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, fmt):
            raise QtCheckFailed(
                f"Qt cannot write {fmt} images (its image format plugin is missing)"
            )
        again = QImage.fromData(bytes(buffer.data()), fmt)
        if again.isNull() or again.width() != 48:
            raise QtCheckFailed(f"Qt cannot read {fmt} images back")
        formats.append(fmt)
    svg = QImage.fromData(QByteArray(_SVG), "SVG")
    if svg.isNull() or svg.pixelColor(16, 16).red() < 200:
        raise QtCheckFailed("Qt cannot draw SVG images (its SVG plugin is missing)")
    formats.append("SVG")
    return f"{app.platformName()}: {', '.join(formats)}"


# ------------------------------------------------------------------ reference counts
# PySide6-Essentials 6.12.0 drops a reference to True on every signal emitted from Python and
# one to None on most void calls (setText, setEnabled, update, ...). On Python 3.11 these
# objects are counted like any other: after a few hundred keystrokes the count reaches 0 and
# the interpreter aborts ("Fatal Python error: none_dealloc" / "bool_dealloc"). From Python
# 3.12 they are immortal (PEP 683): their count never moves, so a drop is harmless and cannot
# be seen here.

#: How far a count may move without a defect: Python's caches and frames take and release
#: a few references to None now and then. A defective build moves it by one per call.
REFERENCE_TOLERANCE = 12
#: Calls between two looks at the counts: the first look past the tolerance stops the run,
#: long before the ~500 references True holds at start run out (then Python would abort).
_CALLS_PER_LOOK = 25
_CONSTANTS: tuple[tuple[str, object], ...] = (("None", None), ("True", True), ("False", False))


@dataclass(frozen=True)
class ReferenceDrift:
    """`calls` calls of `operation` moved the reference count of `constant` by `change`
    (negative: references dropped, which makes Python abort once the count reaches 0)."""

    operation: str
    constant: str
    change: int
    calls: int

    def __str__(self) -> str:
        lost = "dropped" if self.change < 0 else "kept"
        count = f"{abs(self.change)} references to {self.constant}"
        return f"{self.operation} {lost} {count} in {self.calls} calls"


def _counts() -> list[int]:
    return [sys.getrefcount(value) for _, value in _CONSTANTS]


def _give_back(value: object, count: int) -> None:
    """Take `count` references to `value` for good: the ones a defective PySide6 dropped, so
    that this process ends normally and reports the defect instead of aborting."""
    import ctypes

    for _ in range(count):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(value))


def reference_drifts(
    operations: Mapping[str, Callable[[], object]],
    calls: int,
    *,
    tolerance: int = REFERENCE_TOLERANCE,
    every: int = _CALLS_PER_LOOK,
    dropped_only: bool = False,
) -> list[ReferenceDrift]:
    """Call each operation `calls` times and return every count of None, True or False that
    moved by more than `tolerance` (with `dropped_only`, that fell: a reference kept too many
    costs nothing, these objects are never freed; one dropped too many aborts Python). The
    counts are looked at `every` calls; an operation stops at the first look past the
    tolerance and the references it dropped are given back, so a defective build fails here,
    readably, instead of aborting the interpreter."""
    drifts = []
    for name, operation in operations.items():
        start = _counts()
        for _ in range(3):  # first calls fill caches (method lookups, enum objects)
            operation()
        before = _counts()
        # What the first calls dropped too is given back with the rest (a cache's gain hides
        # some of it: the count only errs towards giving back too little).
        warm = [min(after - first, 0) for after, first in zip(before, start, strict=True)]
        done = 0
        changes = [0] * len(_CONSTANTS)
        while done < calls:
            step = min(every, calls - done)
            for _ in range(step):
                operation()
            done += step
            changes = [now - then for now, then in zip(_counts(), before, strict=True)]
            if dropped_only:
                changes = [min(change, 0) for change in changes]
            if any(abs(change) > tolerance for change in changes):
                break
        for (word, value), change, first in zip(_CONSTANTS, changes, warm, strict=True):
            if abs(change) > tolerance:
                drifts.append(ReferenceDrift(name, word, change, done))
                if change < 0:
                    _give_back(value, -change - first)
    return drifts


def qt_operations() -> dict[str, Callable[[], object]]:
    """One call of each kind the window makes, by name: signals of each argument type emitted
    from Python, Qt's own signals (text edits, typed keys, actions, check boxes, lists, timer
    timeouts) delivered to Python slots, and void calls. The widgets live as long as the
    returned functions."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer, Signal
    from PySide6.QtGui import QAction, QKeyEvent
    from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QListWidget, QPushButton

    app = _qt_application()

    class Emitter(QObject):
        flag = Signal(bool)
        number = Signal(int)
        text = Signal(str)
        value = Signal(object)
        pair = Signal(int, object)
        bare = Signal()

    def slot(*_args: object) -> None:
        pass

    emitter = Emitter()
    for signal in (
        emitter.flag,
        emitter.number,
        emitter.text,
        emitter.value,
        emitter.pair,
        emitter.bare,
    ):
        signal.connect(slot)
    edit = QLineEdit()
    edit.textChanged.connect(slot)
    edit.textEdited.connect(slot)
    label = QLabel()
    button = QPushButton("Build")
    box = QCheckBox("Installed")
    box.toggled.connect(slot)
    rows = QListWidget()
    rows.addItems(["one", "two"])
    rows.currentRowChanged.connect(slot)
    action = QAction("Toggle", emitter)
    action.setCheckable(True)
    action.triggered.connect(slot)
    action.toggled.connect(slot)
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: loop.quit())
    flip = [False]

    def flipped() -> bool:
        flip[0] = not flip[0]
        return flip[0]

    def type_key() -> None:
        # A letter, then Backspace: the text stays short, textEdited fires both times.
        key, text = (Qt.Key.Key_A, "a") if flipped() else (Qt.Key.Key_Backspace, "")
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            app.sendEvent(edit, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text))

    def one_timeout() -> None:
        timer.start()
        loop.exec()
        timer.stop()

    return {
        "Signal(bool).emit": lambda: emitter.flag.emit(True),
        "Signal(int).emit": lambda: emitter.number.emit(7),
        "Signal(str).emit": lambda: emitter.text.emit("site"),
        "Signal(object).emit": lambda: emitter.value.emit(emitter),
        "Signal(int, object).emit": lambda: emitter.pair.emit(1, None),
        "Signal().emit": lambda: emitter.bare.emit(),
        "QLineEdit.setText (textChanged)": lambda: edit.setText("ab" if flipped() else "a"),
        "a key typed into a QLineEdit (textEdited)": type_key,
        "QAction.trigger (triggered, toggled)": lambda: action.trigger(),
        "QCheckBox.setChecked (toggled)": lambda: box.setChecked(flipped()),
        "QListWidget.setCurrentRow (currentRowChanged)": lambda: rows.setCurrentRow(flipped()),
        "QTimer timeout in an event loop": one_timeout,
        "QLabel.setText": lambda: label.setText("ready"),
        "QWidget.setEnabled": lambda: button.setEnabled(flipped()),
        "QWidget.setToolTip": lambda: button.setToolTip("Build the bundles"),
        "QWidget.update": lambda: label.update(),
        "QWidget.setVisible": lambda: label.setVisible(False),
        "QObject.blockSignals": lambda: edit.blockSignals(False),
        "QCoreApplication.processEvents": lambda: app.processEvents(),
    }


#: Calls of each operation in the self-test: enough to see a drop of one per call past the
#: tolerance many times over, quick enough for the whole check to take a fraction of a second.
SELFTEST_CALLS = 500


def check_references(folder: Path) -> str:
    """Signals and void calls leave the reference counts of None, True and False alone."""
    import PySide6

    operations = qt_operations()
    drifts = reference_drifts(operations, SELFTEST_CALLS)
    version = PySide6.__version__
    if drifts:
        # One example per constant, and how many kinds of call moved it.
        examples = []
        for word, _ in _CONSTANTS:
            moved = [drift for drift in drifts if drift.constant == word]
            if moved:
                others = f", and {len(moved) - 1} other kinds" if len(moved) > 1 else ""
                examples.append(f"{moved[0]}{others}")
        seen = "; ".join(examples)
        raise QtCheckFailed(
            f"PySide6 {version} loses references to None, True or False ({seen}), so the "
            "window would abort after a few hundred keystrokes (Fatal Python error). Install "
            'a PySide6 below 6.12 (pip install "PySide6-Essentials<6.12") or a later release '
            "without this defect; a frozen build must be rebuilt with one."
        )
    seen = f"{len(operations)} kinds of signal and call, {SELFTEST_CALLS} each"
    if sys.version_info >= (3, 12):
        return f"PySide6 {version}: {seen}; None, True and False are immortal on this Python"
    return f"PySide6 {version}: None, True and False keep their counts over {seen}"


def check_window(folder: Path) -> str:
    """The real main window, on a case store in the temporary folder, shown and painted."""
    try:
        from bundleguard.gui.app import create_window
        from bundleguard.gui.window import MainWindow
    except ImportError as error:
        raise QtCheckFailed(
            f"the main window cannot be loaded (bundleguard.gui.window.MainWindow): {error}"
        ) from None
    from PySide6.QtCore import QEventLoop, QTimer

    from bundleguard.case.store import CaseStore

    app = _qt_application()
    controller, window = create_window(store=CaseStore(folder / "cases"))
    try:
        if not isinstance(window, MainWindow):
            raise QtCheckFailed("the window made is not the main window")
        loop = QEventLoop()
        painted: list[bool] = []
        window.firstPainted.connect(lambda: (painted.append(True), loop.quit()))
        QTimer.singleShot(10_000, loop.quit)
        window.resize(900, 600)
        window.show()
        if not painted:
            loop.exec()
        if not painted:
            raise QtCheckFailed("the main window was not painted within 10 seconds")
        image = window.grab().toImage()
        if image.isNull() or image.width() < 100 or image.height() < 100:
            raise QtCheckFailed("the main window painted nothing")
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in (10, 50, 200)}
        if len(colours) < 2:
            raise QtCheckFailed("the main window painted one flat colour")
        return f"{window.windowTitle()} {image.width()}x{image.height()} on {app.platformName()}"
    finally:
        window.close()
        controller.shutdown()
        window.deleteLater()
        app.processEvents()
