"""The Replicate step's plan: does the certificate cover every name? The rows are
`case.replication.coverage_rows`'; which certificate is checked is
`case.replicate.plan_certificate`'s choice. This section only shows them."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from bundleguard.case.model import Case
from bundleguard.case.replicate import PlanCertificate, Source
from bundleguard.case.steps import Step
from bundleguard.errors import BundleGuardError
from bundleguard.gui.replicate.common import RowList, heading
from bundleguard.gui.widgets import plain_label
from bundleguard.text import visible

NO_LEAF = (
    f"No certificate yet: add the certificate files in step {Step.CERTIFICATES.number} or open "
    "the exported PKCS#12 below."
)
READING = "Reading the certificate files…"
FROM_EXPORT = "Checked with the certificate in {name} (the exported PKCS#12)."
FROM_FILES = f"Checked with the certificate files of step {Step.CERTIFICATES.number}."
UNREADABLE = "The certificate files could not be read: {message}"


class PlanSection(QWidget):
    """The plan's source line and its rows (hidden while there is no certificate)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading("1. Plan: does the certificate cover every name?", self))
        self.source = plain_label("", self)
        self.source.setAccessibleName("Plan source")
        layout.addWidget(self.source)
        self.rows = RowList("Certificate covers every name?", self)
        layout.addWidget(self.rows)

    def show_plan(
        self,
        case: Case,
        certificate: PlanCertificate | None,
        *,
        reading: bool = False,
        unreadable: str = "",
    ) -> None:
        """Render the plan of `case` for `certificate` (`reading`: the case's files are
        still being read; `unreadable`: why they could not be)."""
        from bundleguard.case import replication  # looked up now: one module, one judge

        if certificate is None:
            self.source.setText(READING if reading else NO_LEAF)
            self.rows.clear()
            self.rows.hide()
        else:
            if certificate.source is Source.EXPORT:
                self.source.setText(FROM_EXPORT.format(name=visible(certificate.name)))
            else:
                self.source.setText(FROM_FILES)
            try:
                rows = replication.coverage_rows(case, certificate.leaf)
            except BundleGuardError as error:  # a name still being typed, say
                self.rows.show_text(f"The names cannot be checked yet: {error}")
            else:
                self.rows.show_rows(rows)
            self.rows.show()
        if unreadable:
            self.source.setText(UNREADABLE.format(message=unreadable))


__all__ = ["NO_LEAF", "PlanSection"]
