""" "Extract the certificates" says how many in plain words: "The certificate in
leaf-with-key.pem was already in the case", not "The 1 certificate(s) … were"."""

from __future__ import annotations

from pathlib import Path

from bundleguard.case.extract import ExtractedCertificates


def words(written: int, already: int) -> str:
    done = ExtractedCertificates(
        source=Path("leaf-with-key.pem"),
        written=tuple(Path(f"c{n}.crt") for n in range(written)),
        already=already,
        chain=None,  # not read by the sentence
    )
    return done.words(str)


def test_counts_are_said_in_plain_words():
    assert words(0, 1) == "The certificate in leaf-with-key.pem was already in the case."
    assert words(0, 3) == "The 3 certificates in leaf-with-key.pem were already in the case."
    assert words(1, 0) == "Extracted 1 certificate from leaf-with-key.pem."
    assert words(2, 1) == (
        "Extracted 2 certificates from leaf-with-key.pem (1 more was already in the case)."
    )
    assert "(s)" not in words(1, 2)
