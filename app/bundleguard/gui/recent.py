"""File > Recent cases: each case named by its site and incident, never `case-<hex>.bgcase`.

The site and incident come from the head of each case file (`store.read_recent_case`),
read in a worker when the menu opens; until it reports, a case the menu has not named yet
shows its file name. A file that cannot be read is shown by its name with "(cannot be
read)". The words are untrusted text from a file: shown plainly, their invisible and bidi
characters escaped (`text.visible`) and `&` doubled (a menu would take it for a shortcut).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool
from PySide6.QtWidgets import QMenu

from bundleguard.case.store import CaseStore, RecentCase
from bundleguard.gui.widgets import plain_tooltip
from bundleguard.gui.workers import LatestJob
from bundleguard.text import visible

NONE_YET = "No recent cases"


def recent_words(entry: RecentCase) -> str:
    """What the menu says of a recent case, as plain text."""
    name = entry.path.name
    if not entry.readable:
        return f"{name} (cannot be read)"
    if entry.site and entry.incident:
        return f"{entry.site} — incident {entry.incident}"
    if entry.site:
        return f"{entry.site} — no incident yet"
    if entry.incident:
        return f"Incident {entry.incident} — no site yet"
    return f"{name} (no site or incident yet)"


def menu_text(text: str) -> str:
    """`text` as a menu item shows it: escapes for what is invisible, `&` as itself."""
    return visible(text).replace("&", "&&")


class RecentCasesMenu(QObject):
    """Fills the "Recent cases" menu each time it opens; `open_case(path)` opens one."""

    def __init__(
        self,
        menu: QMenu,
        store: CaseStore,
        open_case: Callable[[Path], object],
        pool: QThreadPool,
    ) -> None:
        super().__init__(menu)
        self.menu = menu
        self.store = store
        self.open_case = open_case
        self.named: dict[Path, RecentCase] = {}  # what the last read found, by path
        self._reading = LatestJob(self, pool)
        self._shown: list[Path] = []
        menu.setToolTipsVisible(True)

    def fill(self) -> None:
        """The recent cases now, named as last read; then read again in a worker."""
        paths = self.store.recent()
        self._shown = paths
        self._show([(p, self.named.get(p)) for p in paths])
        if paths:
            self._reading.start(self.store.recent_cases, done=self._read)

    def _read(self, entries: list[RecentCase]) -> None:
        self.named = {e.path: e for e in entries}
        if [e.path for e in entries] == self._shown:
            self._show([(e.path, e) for e in entries])

    def _show(self, entries: list[tuple[Path, RecentCase | None]]) -> None:
        self.menu.clear()
        if not entries:
            self.menu.addAction(NONE_YET).setEnabled(False)
            return
        for path, entry in entries:
            words = recent_words(entry) if entry is not None else path.name  # not read yet
            action = self.menu.addAction(menu_text(words))
            action.setToolTip(plain_tooltip(str(path)))
            action.triggered.connect(lambda _=False, path=path: self.open_case(path))


__all__ = ["NONE_YET", "RecentCasesMenu", "menu_text", "recent_words"]
