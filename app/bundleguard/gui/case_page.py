"""Step 1, the case: site, incident, support address, output folder and the appliances.

Every edit goes into the case at once (the controller saves it); every check is the
core's (`normalize_hostname`, `parse_address`, `check_incident`, `check_address`), its
message shown inline; the support address is shown as the draft will carry it. The output
folder is made absolute as it is typed (`~` is the home folder, a relative path starts at the
case's folder: `case.model.entered_path`), so the case never stores a `~`.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bundleguard.case.model import (
    ROLES,
    ApplianceEntry,
    Case,
    Role,
    default_role,
    entered_path,
)
from bundleguard.case.outputs import ENV_DOCUMENTS_DIR, with_output_folder
from bundleguard.errors import BundleGuardError
from bundleguard.gui import widgets
from bundleguard.gui.controller import CaseController
from bundleguard.gui.widgets import plain_label, problem_label, show_problem, snug_in_form

HOST, ROLE, ADDRESS, OPEN, REMOVE = range(5)
ADDRESS_SAMPLE = "203.0.113.254:65535"  # the widest Address commonly typed
ELIDE_NONE = 3  # Qt.TextElideMode.ElideNone (tests/gui/test_case_page_layout.py checks it)


def hostname_problem(text: str) -> str | None:
    if not text.strip():
        return None
    from bundleguard.certs.names import normalize_hostname

    try:
        normalize_hostname(text.strip())
    except BundleGuardError as error:
        return str(error)
    except ValueError:
        from bundleguard.text import visible

        return f"'{visible(text)}' is not a hostname."
    return None


def address_problem(text: str) -> str | None:
    """The core's word on an appliance's Address cell (None when empty or fine)."""
    if not text.strip():
        return None
    from bundleguard.probe.targets import parse_address

    try:
        parse_address(text)
    except BundleGuardError as error:
        return str(error)
    return None


def draft_recipient(text: str) -> str:
    """What the page says about the support address: the address the draft will carry
    (the core's normalised form), or that it will have no recipient."""
    from bundleguard.bundle.email import check_address

    try:
        address = check_address(text)
    except BundleGuardError:
        return ""  # the problem row says why
    if not address:
        return (
            "Your vendor's support address: each appliance's email draft goes to it, with "
            "its bundle attached. Left empty, the drafts have no recipient: add it in your "
            "mail program."
        )
    return f"The draft will be addressed to: {address}"


def _problem(kind: str, text: str) -> str | None:
    """The core's word on an incident number or an email address (None when fine)."""
    if not text.strip():
        return None
    if kind == "incident":
        from bundleguard.bundle.plan import check_incident as check
    else:
        from bundleguard.bundle.email import check_address as check
    try:
        check(text)
    except BundleGuardError as error:
        return str(error)
    return None


def documents_location() -> Path | None:
    """The user's documents folder as Qt knows it (`$BUNDLEGUARD_DOCUMENTS_DIR` first, as
    the command line); None when the platform names none."""
    if os.environ.get(ENV_DOCUMENTS_DIR):
        return Path(os.environ[ENV_DOCUMENTS_DIR])
    return _qt_documents()


@functools.cache
def _qt_documents() -> Path | None:
    # Asked once: on Linux Qt reads the user-dirs file each time, and the Case page asks
    # at every keystroke.
    from PySide6.QtCore import QStandardPaths

    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else None


def case_as_built(case: Case) -> Case:
    """`case` as its bundles are built: its output folder, or the default one
    (Documents/bundleguard/SITE-INCIDENT, made when the first bundle is written)."""
    return with_output_folder(case, documents_location())


SUPPORT_ADDRESS_HELP = (
    "Your vendor's support address: each appliance's email draft is addressed to it, with "
    "that appliance's bundle attached. Nothing is sent until you press Send in your mail "
    "program."
)

ROLES_HELP = (
    "Role: primary — the appliance the certificate is exported from; backup — its failover "
    "partner; node — an Atlas traffic node. Address: leave it empty to reach the appliance "
    "by its hostname; give IP[:PORT] only when this computer cannot resolve that name."
)


class CasePage(QWidget):
    def __init__(self, controller: CaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Case")
        self._loading = False
        # The address check loads email-validator and the draft writer (~0.3 s): it runs
        # once the page has been painted, never before the window's first paint.
        self._address_ready = False
        layout = QVBoxLayout(self)
        layout.addWidget(
            plain_label(
                "Describe the case: the site's public hostname, the support incident, who "
                "to send the bundle to, and every appliance that needs a bundle.",
                self,
            )
        )
        form = QFormLayout()
        self.site = self._field(form, "Site hostname", "support.example.com")
        self.site_problem = self._problem_row(form)
        self.incident = self._field(form, "Incident number", "e.g. 01234567")
        self.incident_problem = self._problem_row(form)
        self.address = self._field(form, "Support address", "support@vendor.example")
        self.address.setToolTip(SUPPORT_ADDRESS_HELP)
        self.address.setAccessibleDescription(SUPPORT_ADDRESS_HELP)
        self.address_problem = self._problem_row(form)
        self.recipient = plain_label("", self)
        self.recipient.setAccessibleName("The draft's recipient")
        snug_in_form(self.recipient)
        form.addRow("", self.recipient)
        row = QHBoxLayout()
        self.output = QLineEdit(self)
        self.output.setAccessibleName("Output folder")
        self.output.setPlaceholderText("where the bundles are written")
        self.browse = QPushButton("Browse…", self)
        self.browse.setAccessibleName("Browse for the output folder")
        self.browse.clicked.connect(self._browse)
        row.addWidget(self.output)
        row.addWidget(self.browse)
        form.addRow(self._label("Output folder", self.output), row)
        layout.addLayout(form)

        layout.addWidget(QLabel("Appliances", self))
        self.table = QTableWidget(0, 5, self)
        self.table.setAccessibleName("Appliances")
        self.table.setHorizontalHeaderLabels(["Hostname", "Role", "Address (optional)", "", ""])
        self.table.horizontalHeader().setSectionResizeMode(HOST, QHeaderView.ResizeMode.Stretch)
        # The Address (rarely given, short) keeps the room an IP and port need: the rest goes
        # to the hostnames, which wrap (at a dot or a hyphen) rather than show cut short.
        self.table.horizontalHeader().setSectionResizeMode(
            ADDRESS, QHeaderView.ResizeMode.Interactive
        )
        self.table.setWordWrap(True)
        # Qt::ElideNone, through the property system: `PySide6.QtCore.Qt` costs the first
        # paint its enums (widgets.py).
        self.table.setProperty("textElideMode", ELIDE_NONE)
        self.table.horizontalHeader().sectionResized.connect(self._fit_rows)
        for column in (ROLE, OPEN, REMOVE):
            # Sized to their controls by `_fit_columns` (ResizeToContents did not see the
            # controls of the first row: they showed cut to "p", "/appe", "emov").
            self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._table_edited)
        layout.addWidget(self.table, 1)
        roles = plain_label(ROLES_HELP, self)
        roles.setAccessibleName("What the roles and the address mean")
        layout.addWidget(roles)
        self.table_problem = problem_label(self)
        layout.addWidget(self.table_problem)
        buttons = QHBoxLayout()
        self.add = QPushButton("Add appliance", self)
        self.add.setAccessibleName("Add appliance")
        self.add.clicked.connect(self.add_appliance)
        buttons.addWidget(self.add)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        for edit, key in (
            (self.site, "site"),
            (self.incident, "incident"),
            (self.address, "support_address"),
            (self.output, "output"),
        ):
            edit.textEdited.connect(lambda text, key=key: self._edited(key, text))
        self.output.editingFinished.connect(self._output_entered)
        controller.caseChanged.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------ build
    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    def _field(self, form: QFormLayout, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        form.addRow(self._label(name, edit), edit)
        return edit

    def _problem_row(self, form: QFormLayout) -> QLabel:
        label = problem_label(self)
        snug_in_form(label)
        form.addRow("", label)
        return label

    # ---------------------------------------------------------------- editing
    def _edited(self, key: str, text: str) -> None:
        if key == "output":
            text = entered_path(text, self.controller.path.parent)
        self.controller.update(**{key: text.strip()})
        self._check()

    def _output_entered(self) -> None:
        """The folder as it is stored (absolute), once the user is done typing it."""
        if self.output.text() != self.controller.case.output:
            self.output.setText(self.controller.case.output)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._address_ready:
            self._address_ready = True
            QTimer.singleShot(0, self._check)

    def _check(self) -> None:
        show_problem(self.site_problem, hostname_problem(self.site.text()))
        show_problem(self.incident_problem, _problem("incident", self.incident.text()))
        if self._address_ready:
            show_problem(self.address_problem, _problem("address", self.address.text()))
            self.recipient.setText(draft_recipient(self.address.text()))
            self.recipient.setVisible(bool(self.recipient.text()))  # a problem says instead
        problems = []
        for entry in self.controller.case.appliances:
            for problem in (hostname_problem(entry.hostname), address_problem(entry.address)):
                if problem:
                    problems.append(problem)
        show_problem(self.table_problem, " ".join(problems))

    def _browse(self) -> None:
        from PySide6.QtWidgets import QFileDialog  # its enums cost the first paint time

        from bundleguard.gui.details import case_output_folder  # never where a key came from

        start = str(case_output_folder(self.controller))
        folder = QFileDialog.getExistingDirectory(self, "Output folder", start)
        if folder:
            self.output.setText(folder)
            self._edited("output", folder)

    def add_appliance(self) -> None:
        entries = self.controller.case.appliances
        role = default_role(len(entries))
        self.controller.update(appliances=(*entries, ApplianceEntry("", role)))
        self.table.setCurrentCell(self.table.rowCount() - 1, HOST)
        self.table.editItem(self.table.item(self.table.rowCount() - 1, HOST))

    def remove_appliance(self, row: int) -> None:
        self.controller.remove_appliance(row)  # Edit > Undo puts it back

    def remove_selected(self) -> None:
        """Edit > Remove (Delete): the appliance of the table's current row."""
        self.remove_appliance(self.table.currentRow())

    def _table_edited(self, item: QTableWidgetItem) -> None:
        if self._loading:
            return
        self._store_row(item.row())

    def _store_row(self, row: int) -> None:
        entries = list(self.controller.case.appliances)
        if not 0 <= row < len(entries):
            return
        host = self.table.item(row, HOST)
        address = self.table.item(row, ADDRESS)
        combo = self.table.cellWidget(row, ROLE)
        entries[row] = entries[row].with_changes(  # keeps what a newer version stored in it
            hostname=(host.text() if host else "").strip(),
            role=Role(combo.currentText()) if isinstance(combo, QComboBox) else entries[row].role,
            address=(address.text() if address else "").strip(),
        )
        self.controller.update(appliances=tuple(entries))

    def _open(self, row: int) -> None:
        entries = self.controller.case.appliances
        if (
            0 <= row < len(entries)
            and entries[row].hostname
            and not hostname_problem(entries[row].hostname)
        ):
            widgets.open_url(widgets.appliance_url(entries[row].hostname))

    # ---------------------------------------------------------------- showing
    def refresh(self) -> None:
        case = self.controller.case
        # The field being typed in keeps its text (the case stores it stripped, the folder
        # made absolute), unless another case was opened or started: it shows that one's.
        another = getattr(self, "_shown_for", None) != self.controller.path
        self._shown_for = self.controller.path
        for edit, value in (
            (self.site, case.site),
            (self.incident, case.incident),
            (self.address, case.support_address),
            (self.output, case.output),
        ):
            if edit.text().strip() != value.strip() and (another or not edit.hasFocus()):
                edit.setText(value)
        self._show_default_output(case)
        self._loading = True
        try:
            entries = case.appliances
            if self.table.rowCount() != len(entries):
                self.table.setRowCount(len(entries))
            for row, entry in enumerate(entries):
                self._fill_row(row, entry)
        finally:
            self._loading = False
        self._fit_columns()
        self._fit_rows()
        self._check()

    def _show_default_output(self, case: Case) -> None:
        """The output folder's placeholder: the default folder the bundles go to while the
        field is empty (it follows the site and incident typed)."""
        default = case_as_built(case.with_changes(output="")).output
        if default:
            hint = f"Default: {default}"
            tip = (
                f"Leave it empty to write the bundles to {default} (made when the first "
                "bundle is written), or choose another folder."
            )
        else:
            hint, tip = "where the bundles are written", ""
        if self.output.placeholderText() != hint:
            self.output.setPlaceholderText(hint)
            self.output.setToolTip(widgets.plain_tooltip(tip))
            self.output.setAccessibleDescription(tip)

    def _fit_rows(self, *_resized) -> None:
        """Each row as tall as its wrapped hostname (the column's width changes with the
        window's)."""
        self.table.resizeRowsToContents()

    def _fit_columns(self) -> None:
        header = self.table.horizontalHeader()
        address = max(
            header.sectionSizeHint(ADDRESS),
            self.table.fontMetrics().horizontalAdvance(ADDRESS_SAMPLE) + 16,
        )
        if header.sectionSize(ADDRESS) != address:
            header.resizeSection(ADDRESS, address)
        for column in (ROLE, OPEN, REMOVE):
            widths = [header.sectionSizeHint(column)]
            for row in range(self.table.rowCount()):
                control = self.table.cellWidget(row, column)
                if control is not None:
                    widths.append(control.sizeHint().width() + 4)
            if header.sectionSize(column) != max(widths):
                header.resizeSection(column, max(widths))

    def _fill_row(self, row: int, entry: ApplianceEntry) -> None:
        for column, text in ((HOST, entry.hostname), (ADDRESS, entry.address)):
            item = self.table.item(row, column)
            if item is None:
                item = QTableWidgetItem(text)
                self.table.setItem(row, column, item)
            elif item.text() != text:
                item.setText(text)
        combo = self.table.cellWidget(row, ROLE)
        if not isinstance(combo, QComboBox):
            combo = QComboBox(self.table)
            combo.addItems(list(ROLES))
            combo.setAccessibleName(f"Role of appliance {row + 1}")
            combo.currentTextChanged.connect(
                lambda _text, row=row: None if self._loading else self._store_row(row)
            )
            self.table.setCellWidget(row, ROLE, combo)
        if combo.currentText() != entry.role.value:
            combo.setCurrentText(entry.role.value)
        opener = self.table.cellWidget(row, OPEN)
        if not isinstance(opener, QPushButton):
            opener = QPushButton("Open /appliance", self.table)
            opener.clicked.connect(lambda _=False, row=row: self._open(row))
            self.table.setCellWidget(row, OPEN, opener)
            remove = QPushButton("Remove", self.table)
            remove.setAccessibleName(f"Remove appliance {row + 1}")
            remove.clicked.connect(lambda _=False, row=row: self.remove_appliance(row))
            self.table.setCellWidget(row, REMOVE, remove)
        opener.setAccessibleName(f"Open /appliance of {entry.hostname or f'appliance {row + 1}'}")
        problem = hostname_problem(entry.hostname)
        if not entry.hostname.strip():
            tip = "Type the hostname first"
        elif problem:
            tip = widgets.plain_tooltip(problem)
        else:
            tip = widgets.plain_tooltip(
                f"Opens {widgets.appliance_url(entry.hostname)} in the browser"
            )
        opener.setToolTip(tip)
        opener.setEnabled(bool(entry.hostname.strip()) and not problem)
        # The hostname cell is enabled, selectable and editable as every new QTableWidgetItem
        # is (setting its flags again touched `Qt` before the first paint: see widgets.py).
