"""What Edit > Undo takes back: a file or an appliance removed, a screenshot replaced.

Each user verb that loses work is one `QUndoCommand` on the controller's `QUndoStack`
(`CaseController.undo_stack`); its `redo` and `undo` change the case through the controller
(`CaseController.update`), so every step back or forth is autosaved like any other change
and every page hears of it. The places come from the case model (`case.model.file_places`,
`files_put_back`, `appliance_put_back`): a removed file comes back where it was in the
list, an appliance with all its fields and its screenshot.

A command holds names, paths and the case's frozen entries only, never bytes. A file the
guard found to hold private key material, or one not judged yet, is taken out for good:
Undo never puts it back in the case (`restorable`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand
from shiboken6 import isValid

from bundleguard.case.model import (
    ApplianceEntry,
    FilePlace,
    appliance_put_back,
    files_put_back,
)
from bundleguard.text import visible

if TYPE_CHECKING:
    from bundleguard.gui.controller import CaseController
    from bundleguard.gui.screenshot import ScreenshotPage


def held_key_material(paths: Iterable[str]) -> set[str]:
    """Which of `paths` the guard last found to hold private key material (its verdict,
    or any finding); from what is already judged, without reading a file."""
    from bundleguard.case.evidence import shared_evidence

    known = shared_evidence().known(paths)
    return {
        path
        for path, entry in known.entries.items()
        if entry.verdict == "secret" or entry.report.findings
    }


def restorable(places: Sequence[FilePlace]) -> tuple[FilePlace, ...]:
    """The places of the files Undo may put back: only files the guard has judged, and
    not one that holds key material (a file removed before its verdict may hold a key)."""
    from bundleguard.case.evidence import shared_evidence

    paths = [path for _index, path in places]
    judged = shared_evidence().known(paths)
    keys = {os.path.abspath(path) for path in held_key_material(paths)}
    return tuple(
        place for place in places if place[1] in judged and os.path.abspath(place[1]) not in keys
    )


def _one_name(path: str) -> str:
    return visible(os.path.basename(path))


class RemoveFiles(QUndoCommand):
    """Files taken out of the case; Undo puts the `back` ones where they were."""

    def __init__(
        self,
        controller: CaseController,
        places: Sequence[FilePlace],
        back: Sequence[FilePlace],
    ) -> None:
        count = len(places)
        super().__init__(
            f"remove {_one_name(places[0][1])}" if count == 1 else f"remove {count} files"
        )
        self._controller = controller
        self._gone = frozenset(path for _index, path in places)
        self._back = tuple(back)

    def redo(self) -> None:
        case = self._controller.case
        self._controller.update(files=tuple(p for p in case.files if p not in self._gone))

    def undo(self) -> None:
        self._controller.update(files=files_put_back(self._controller.case, self._back))


class RemoveAppliance(QUndoCommand):
    """An appliance taken out of the case; Undo puts it back at its row, as it was."""

    def __init__(self, controller: CaseController, index: int, entry: ApplianceEntry) -> None:
        name = visible(entry.hostname) if entry.hostname else f"appliance {index + 1}"
        super().__init__(f"remove {name}")
        self._controller = controller
        self._index = index
        self._entry = entry

    def redo(self) -> None:
        entries = list(self._controller.case.appliances)
        if self._index < len(entries) and entries[self._index] == self._entry:
            del entries[self._index]
        elif self._entry in entries:  # moved meanwhile (a redo after other changes)
            entries.remove(self._entry)
        else:
            return
        self._controller.update(appliances=tuple(entries))

    def undo(self) -> None:
        case = self._controller.case
        self._controller.update(appliances=appliance_put_back(case, self._index, self._entry))


class ReplaceScreenshot(QUndoCommand):
    """An appliance's screenshot replaced by a new picture (captured, pasted or dropped).

    Undo puts the earlier file back at the screenshot's path (`put_back`, in the page's
    worker: the guard must find a picture in it, never anything else) and keeps the newer
    one aside, so Redo can put that back in turn; or, when the case named no file there
    before, gives the appliance the screenshot it had (perhaps none). Holds paths only."""

    def __init__(
        self,
        controller: CaseController,
        page: ScreenshotPage,
        hostname: str,
        path: Path,
        kept: Path | None,
        before: str,
    ) -> None:
        super().__init__(f"replace the screenshot of {visible(hostname)}")
        self._controller = controller
        self._page = page
        self._host = hostname
        self._path = Path(path)
        self._aside = kept  # the file that goes back at `path` next (by undo or redo)
        self._before = before  # what the case named before (Undo without a kept file)
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True  # the page replaced it already: push() records it
            return
        self._swap(str(self._path))

    def undo(self) -> None:
        self._swap(self._before if self._aside is None else str(self._path))

    def _swap(self, named: str) -> None:
        self._name(named)
        if not isValid(self._page):
            return
        if self._aside is None:
            self._page.show_file(self._host, Path(named) if named else None)
            return

        def answered(aside: object) -> None:
            self._aside = aside if isinstance(aside, Path) else None

        self._page.put_back(self._host, self._path, self._aside, answered)

    def _name(self, screenshot: str) -> None:
        """The case names `screenshot` as the appliance's (autosaved like any change)."""
        entries = self._controller.case.appliances
        self._controller.update(
            appliances=tuple(
                e.with_changes(screenshot=screenshot) if e.hostname == self._host else e
                for e in entries
            )
        )


__all__ = [
    "RemoveAppliance",
    "RemoveFiles",
    "ReplaceScreenshot",
    "held_key_material",
    "restorable",
]
