"""The certificate every appliance should serve: the exported PKCS#12, or its chain.

`load_expected(data, name, passphrase)` works on bytes (the shell reads the file with
`bundleguard.files.read_input_file` and asks for a passphrase when `PassphraseError`
says one is needed). A damaged certificate in it is refused here, before it is compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from bundleguard.certs.load import load_certificates
from bundleguard.errors import InputError
from bundleguard.probe.analyse import certificate_damage


@dataclass(frozen=True)
class ExpectedChain:
    """The expected certificates and the file they came from (its name, as reports say it)."""

    certificates: tuple[x509.Certificate, ...]
    source: str


def load_expected(data: bytes, name: str, passphrase: bytes | None = None) -> ExpectedChain:
    """The certificates in `data` (PEM, DER, PKCS#7 or PKCS#12; a key in it is dropped).

    Raises `PassphraseError` when a PKCS#12 needs a passphrase that was not given or is
    wrong, and `InputError` when `data` holds no usable certificate.
    """
    try:
        certificates = load_certificates(data, name=name, passphrase=passphrase)
    except x509.DuplicateExtension as error:  # read while loading: judged like a served one
        damage = f"it carries the extension {error.oid.dotted_string} twice"
        raise _damaged(name, "", damage) from None
    if not certificates:
        raise InputError(f"{name} holds no certificate to compare with.")
    for number, cert in enumerate(certificates, start=1):
        damage = certificate_damage(cert)
        if damage is not None:
            raise _damaged(name, f" {number}", damage)
    return ExpectedChain(certificates=tuple(certificates), source=name)


def _damaged(name: str, number: str, damage: str) -> InputError:
    return InputError(
        f"Certificate{number} in {name} is damaged ({damage}): it cannot be compared with "
        "what the appliances serve."
    )
