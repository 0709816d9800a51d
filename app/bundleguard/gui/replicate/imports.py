"""The Replicate step's import on each other appliance: one row per backup and traffic
node (`case.replicate.import_hosts`), with its button to that appliance's /appliance and
its "Imported" tick, saved in the case (`case.replicate.with_imported`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QPushButton,
    QSizePolicy,
    QSpacerItem,
    QVBoxLayout,
    QWidget,
)

from bundleguard.case.replicate import appliance_link, import_hosts, with_imported
from bundleguard.case.steps import Step
from bundleguard.gui import widgets
from bundleguard.gui.controller import CaseController
from bundleguard.gui.replicate.common import heading
from bundleguard.gui.widgets import plain_label, plain_tooltip
from bundleguard.text import visible

IMPORT_NOTE = (
    "On each appliance below: log into /appliance, go to Security > Certificates, choose "
    "Import and pick the PKCS#12 with its passphrase. The imported chain appears under "
    "Security :: Other Certificates. Repeat it for each appliance, and tick it when done."
)
DEFAULT_NOTE = (
    "Then the default certificate: clients that send no name (no SNI) get the certificate "
    "marked Default under Security > Certificates, so make the new certificate the default "
    "on every appliance."
)
NO_OTHERS = f"The case has no backup or traffic node (add them in step {Step.CASE.number})."


class ImportSection(QWidget):
    """A row per appliance that imports the export; the ticks are the case's record."""

    def __init__(self, controller: CaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._hosts: tuple[str, ...] | None = None
        self._boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading("3. Import on each other appliance", self))
        self.note = plain_label(IMPORT_NOTE, self)
        self.note.setAccessibleName("How to import")
        layout.addWidget(self.note)
        self.rows = QWidget(self)
        self.grid = QGridLayout(self.rows)
        self.grid.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.rows)
        self.no_others = plain_label(NO_OTHERS, self)
        self.no_others.setAccessibleName("No other appliance")
        layout.addWidget(self.no_others)
        self.default_note = plain_label(DEFAULT_NOTE, self)
        self.default_note.setAccessibleName("Default certificate")
        layout.addWidget(self.default_note)

    def case_changed(self) -> None:
        case = self.controller.case
        hosts = import_hosts(case)
        if hosts != self._hosts:
            self._hosts = hosts
            self._boxes = {}
            while self.grid.count():
                item = self.grid.takeAt(0)
                if item.widget() is not None:
                    item.widget().deleteLater()
            for row, host in enumerate(hosts):
                self._add_row(row, host)
            self.grid.addItem(
                QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum), 0, 3
            )
            self.grid.setColumnStretch(3, 1)
        imported = set(case.replication.imported)
        for host, box in self._boxes.items():
            box.blockSignals(True)
            box.setChecked(host in imported)
            box.blockSignals(False)
        self.rows.setVisible(bool(hosts))
        self.note.setVisible(bool(hosts))
        self.no_others.setVisible(not hosts)

    def _add_row(self, row: int, host: str) -> None:
        parent = self.rows
        self.grid.addWidget(plain_label(visible(host), parent, wrap=False), row, 0)
        link = appliance_link(host)
        button = QPushButton(f"Open /appliance on {visible(host)}", parent)
        button.setAccessibleName(f"Open /appliance on {visible(host)}")
        button.setEnabled(link.usable)
        button.setToolTip(plain_tooltip(link.problem or widgets.appliance_url(link.host)))
        button.clicked.connect(lambda _=False, host=link.host: self._open(host))
        self.grid.addWidget(button, row, 1, Qt.AlignmentFlag.AlignLeft)
        box = QCheckBox("Imported", parent)
        box.setAccessibleName(f"{visible(host)}: imported")
        box.toggled.connect(lambda checked, host=host: self._toggled(host, checked))
        self.grid.addWidget(box, row, 2)
        self._boxes[host] = box

    def _open(self, host: str) -> None:
        if appliance_link(host).usable:
            widgets.open_url(widgets.appliance_url(host))

    def _toggled(self, host: str, checked: bool) -> None:
        replication = with_imported(self.controller.case.replication, host, checked)
        self.controller.update(replication=replication)


__all__ = ["IMPORT_NOTE", "NO_OTHERS", "ImportSection"]
