"""Trust anchors: Mozilla's roots (certifi) and this machine's store.

The one place in `certs` that reads files; everything is read once and cached.
Linux and other Unix read the usual CA bundle files; Windows and macOS ask Python's
`ssl` module, which reads the system store there.
"""

from __future__ import annotations

import functools
import os
import ssl
import sys
import warnings

import certifi
from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning

# Where Linux distributions and BSDs keep their CA bundle (Go's crypto/x509 list).
UNIX_BUNDLE_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Gentoo, Arch
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL 6
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/pki/tls/cacert.pem",  # OpenELEC
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # CentOS, RHEL 7
    "/etc/ssl/cert.pem",  # Alpine, macOS, BSD
)


def _parse_pem_bundle(data: bytes) -> tuple[x509.Certificate, ...]:
    with warnings.catch_warnings():
        # Some store roots have non-positive serials; they are still roots.
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return _parse_pem_blocks(data)


def _parse_pem_blocks(data: bytes) -> tuple[x509.Certificate, ...]:
    try:
        return tuple(x509.load_pem_x509_certificates(data))
    except ValueError:
        # One bad entry must not hide the rest: fall back to block by block.
        from bundleguard.certs.load import pem_blocks

        certs = []
        for block in pem_blocks(data):
            try:
                certs.extend(x509.load_pem_x509_certificates(data[block.start : block.end]))
            except ValueError:
                continue
        return tuple(certs)


@functools.cache
def public_roots() -> tuple[x509.Certificate, ...]:
    """Mozilla's root program as shipped by certifi: our stand-in for "every platform"."""
    with open(certifi.where(), "rb") as handle:
        return _parse_pem_bundle(handle.read())


def _der_list(ders: list) -> tuple[x509.Certificate, ...]:
    certs = []
    for der in ders:
        try:
            certs.append(x509.load_der_x509_certificate(bytes(der)))
        except ValueError:
            continue
    return tuple(certs)


def _ssl_store_roots() -> tuple[x509.Certificate, ...]:
    context = ssl.create_default_context()
    return _der_list(context.get_ca_certs(binary_form=True))


def _unix_bundle_roots() -> tuple[x509.Certificate, ...]:
    paths = ssl.get_default_verify_paths()
    candidates = [paths.cafile, paths.openssl_cafile, *UNIX_BUNDLE_FILES]
    for path in candidates:
        if path and os.path.isfile(path):
            try:
                with open(path, "rb") as handle:
                    certs = _parse_pem_bundle(handle.read())
            except OSError:
                continue
            if certs:
                return certs
    return _ssl_store_roots()


def load_system_roots(platform: str | None = None) -> tuple[x509.Certificate, ...]:
    """This machine's trusted roots; uncached, `platform` defaults to `sys.platform`."""
    platform = sys.platform if platform is None else platform
    if platform.startswith("win") or platform == "darwin":
        roots = _ssl_store_roots()
        if platform == "darwin" and not roots and os.path.isfile("/etc/ssl/cert.pem"):
            with open("/etc/ssl/cert.pem", "rb") as handle:
                roots = _parse_pem_bundle(handle.read())
        return roots
    return _unix_bundle_roots()


@functools.cache
def system_roots() -> tuple[x509.Certificate, ...]:
    """Cached `load_system_roots()`."""
    return load_system_roots()
