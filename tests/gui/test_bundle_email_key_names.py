"""Copy email text (step 4) when a file name carries a private key (issue 16 §3).

The email text lists every bundle member by name, and a member is named after the file
the user added: a file whose name is a key's base64url (an Ed25519 key's is 64
characters, as long as a member name may be) would put the key on the clipboard. The
bundle's own check already refuses such a bundle (the manifest lists the name); the text
is judged by the secret guard again before it is copied: holding key material it is not
copied, the window says why and the clipboard keeps what it held.
"""

from __future__ import annotations

import base64
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from bundleguard.case.model import Case
from tests.certs import pki
from tests.guard import keyforge
from tests.gui import test_bundle_page as bundle_tests
from tests.gui.conftest import find_by_name
from tests.probe.keynames import leaked

BEFORE = "what the user copied before"
build, button = bundle_tests.build, bundle_tests.button
# The bundle page tests' fixtures: a real case with a private CA chain and screenshots.
case, chain, make_page = bundle_tests.case, bundle_tests.chain, bundle_tests.make_page


def _with_key_named_leaf(given: Case, certificates) -> tuple[Case, bytes]:
    der = keyforge.pkcs8_der(keyforge.ed25519_key())
    name = base64.urlsafe_b64encode(der).decode().rstrip("=")
    leaf = Path(given.files[0]).with_name(f"{name}.crt")
    leaf.write_bytes(pki.pem(certificates.leaf))
    return Case(**{**given.__dict__, "files": (str(leaf), *given.files[1:])}), der


def test_a_bundle_naming_a_member_after_a_key_is_refused(
    qtbot,
    make_page,
    case: Case,
    chain,
):
    case, der = _with_key_named_leaf(case, chain)
    page, _ = make_page(case)

    build(qtbot, page)

    result = find_by_name(page, "Build result").text()
    assert result.startswith("The bundles were not built: The bundle failed verification")
    assert "key material" in result and leaked(result, der) == ""
    assert not button(page, "Copy email text").isEnabled()


def test_a_file_name_carrying_a_key_is_not_copied_into_the_email_text(
    qtbot,
    make_page,
    case: Case,
    chain,
    monkeypatch,
):
    """Belt and braces: with the bundle's own check of its bytes switched off, the
    bundles are written, and the email text naming the key is judged before it is copied."""
    import bundleguard.bundle.writer

    monkeypatch.setattr(bundleguard.bundle.writer, "find_private_keys", lambda *a, **k: ())
    case, der = _with_key_named_leaf(case, chain)
    page, _ = make_page(case)
    build(qtbot, page)
    assert find_by_name(page, "Build result").text().startswith("2 bundles written")
    QGuiApplication.clipboard().setText(BEFORE)

    qtbot.mouseClick(button(page, "Copy email text"), Qt.MouseButton.LeftButton)

    assert QGuiApplication.clipboard().text() == BEFORE
    outcome = find_by_name(page, "Email outcome").text()
    assert outcome.startswith("The email text was not copied: the text holds private key material")
    assert outcome.endswith("Nothing was put on the clipboard.")
    assert leaked(outcome, der) == ""
