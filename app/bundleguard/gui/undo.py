"""What Edit > Undo takes back: a file or an appliance removed, a screenshot replaced.

Each user verb that loses work is one `QUndoCommand` on the controller's `QUndoStack`
(`CaseController.undo_stack`); its `redo` and `undo` change the case through the controller
(`CaseController.update`), so every step back or forth is autosaved like any other change
and every page hears of it. The places come from the case model (`case.model.file_places`,
`files_put_back`, `appliance_put_back`): a removed file comes back where it was in the
list, an appliance with all its fields and its screenshot.

A command holds names, paths and the case's frozen entries only, never bytes. A file the
guard found to hold private key material is taken out for good: Undo never puts it back
in the case (`restorable`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from bundleguard.case.model import (
    ApplianceEntry,
    FilePlace,
    appliance_put_back,
    files_put_back,
)
from bundleguard.text import visible

if TYPE_CHECKING:
    from bundleguard.gui.controller import CaseController


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
    """The places of the files Undo may put back: not one that holds key material."""
    keys = held_key_material(path for _index, path in places)
    return tuple(place for place in places if place[1] not in keys)


def _one_name(path: str) -> str:
    import os

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


__all__ = ["RemoveAppliance", "RemoveFiles", "held_key_material", "restorable"]
