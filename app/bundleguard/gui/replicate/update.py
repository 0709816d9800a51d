"""The Replicate step's software update: is the certificate trusted by the clients, or
does support have to build it into the software? The answer is the core's
(`case.replicate.judge_trust`, worded by `trust_answer`), judged in a worker; the wait
after the vendor update is `case.replication.update_wait`'s, the record
`case.replicate.with_vendor_update`'s. Sending the user to the bundle is a `Step`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from bundleguard.case.replicate import judge_trust, with_vendor_update
from bundleguard.case.steps import Step
from bundleguard.gui.certificates_page import trust_answer
from bundleguard.gui.controller import CaseController
from bundleguard.gui.replicate.common import heading
from bundleguard.gui.widgets import plain_label
from bundleguard.gui.workers import LatestJob

if TYPE_CHECKING:
    from cryptography import x509

    from bundleguard.certs.anchors import TrustAnchors
    from bundleguard.certs.trust import TrustReport

WAIT_REFRESH_MS = 60_000
SEND_IT = (
    f"Send the certificate to support in a bundle (step {Step.BUNDLE.number}): they build a "
    "software update that makes the clients trust it."
)
NOT_KNOWN = (
    "Software update needed: not known yet — add the certificate files in step "
    f"{Step.CERTIFICATES.number} or open the exported PKCS#12 above."
)
CHECKING = "Software update needed: checking the trusted roots…"
HAD_TIME = (
    "The vendor update was installed more than 48 hours ago: clients have had time to pick "
    "up the new certificate."
)
NOT_INSTALLED = "Tick “Vendor update installed” once support's update is on the appliances."


class UpdateSection(QWidget):
    """The trust answer; when an update is needed, the way to the bundle, the "installed"
    tick and the wait for the clients. `stepRequested(Step)`: the user asked for a step."""

    stepRequested = Signal(object)

    def __init__(self, controller: CaseController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.trust: TrustReport | None = None
        self._chain: tuple[x509.Certificate, ...] = ()
        self._key: tuple | None = None
        self._judging = LatestJob(self, controller.pool)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading("5. Software update", self))
        self.trust_label = plain_label("", self)
        self.trust_label.setAccessibleName("Software update needed")
        layout.addWidget(self.trust_label)
        self.update_box = QWidget(self)
        box = QVBoxLayout(self.update_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(plain_label(SEND_IT, self.update_box))
        row = QHBoxLayout()
        title = Step.BUNDLE.title
        self.bundle_button = QPushButton(f"Go to {title.replace('&', '&&')}", self.update_box)
        self.bundle_button.setAccessibleName(f"Go to {title}")
        self.bundle_button.clicked.connect(lambda: self.stepRequested.emit(Step.BUNDLE))
        row.addWidget(self.bundle_button)
        self.installed_box = QCheckBox("Vendor update installed", self.update_box)
        self.installed_box.setAccessibleName("Vendor update installed")
        self.installed_box.toggled.connect(self._installed_toggled)
        row.addWidget(self.installed_box)
        row.addStretch(1)
        box.addLayout(row)
        self.wait_label = plain_label("", self.update_box)
        self.wait_label.setAccessibleName("Update wait")
        box.addWidget(self.wait_label)
        layout.addWidget(self.update_box)
        self._wait_timer = QTimer(self)
        self._wait_timer.setInterval(WAIT_REFRESH_MS)
        self._wait_timer.timeout.connect(self._show_wait)

    def set_chain(self, chain: Sequence[x509.Certificate], anchors: TrustAnchors | None) -> None:
        """Ask the trust question for `chain` (leaf first) when it or the anchors changed."""
        chain = tuple(chain)
        key = (chain, id(anchors))
        if key == self._key:
            return
        self._key, self._chain, self.trust = key, chain, None
        self._judging.forget()
        self.show_state()
        if not chain or anchors is None:
            return
        self._judging.start(
            judge_trust, chain, anchors, done=self._judged, failed=self.trust_label.setText
        )

    def _judged(self, trust: TrustReport) -> None:
        self.trust = trust
        self.show_state()

    def show_state(self) -> None:
        installed = self.controller.case.replication.vendor_update_installed
        trust = self.trust
        if trust is not None:
            self.trust_label.setText(trust_answer(trust))
        else:
            self.trust_label.setText(CHECKING if self._chain else NOT_KNOWN)
        needed = trust is not None and trust.needs_software_update
        self.update_box.setVisible(needed or bool(installed))
        self.installed_box.blockSignals(True)
        self.installed_box.setChecked(bool(installed))
        self.installed_box.blockSignals(False)
        self._show_wait()
        if installed and self.isVisible():
            self._wait_timer.start()
        else:
            self._wait_timer.stop()

    def _installed_toggled(self, checked: bool) -> None:
        replication = with_vendor_update(self.controller.case.replication, checked)
        self.controller.update(replication=replication)

    def _show_wait(self) -> None:
        from bundleguard.case.replication import update_wait

        installed = self.controller.case.replication.vendor_update_installed
        if not installed:
            self.wait_label.setText(NOT_INSTALLED)
            return
        self.wait_label.setText(update_wait(installed) or HAD_TIME)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.controller.case.replication.vendor_update_installed:
            self._show_wait()
            self._wait_timer.start()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._wait_timer.stop()


__all__ = ["UpdateSection"]
