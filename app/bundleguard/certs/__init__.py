"""Certificates: load, order the chain, hostname coverage, validity, trust, PKCS#12.

Pure code: every function works on bytes and `cryptography.x509.Certificate` objects,
never on paths or sockets; results are frozen dataclasses; bad input raises a
`bundleguard.errors.BundleGuardError` subclass whose message is fit for a user.

Modules and their public API (stable; other packages rely on these names):

- `bundleguard.certs.load`
    `load_certificates(data: bytes, name: str = "", passphrase: bytes | None = None)
    -> tuple[x509.Certificate, ...]` — PEM (many per file, any order, text around),
    DER, PKCS#7 (PEM/DER), PKCS#12 (no passphrase tried first). A missing or wrong
    passphrase raises `PassphraseError` (subclasses `PassphraseNeeded`, `WrongPassphrase`);
    corrupt input raises `InputError`.
    `detect_format(data) -> str` ("pem", "der", "pkcs7", "pkcs12", "unknown").
- `bundleguard.certs.names`
    `covers(cert, hostname: str) -> bool`;
    `coverage(cert, names: Iterable[str]) -> CoverageReport` (`.covered`, `.uncovered`);
    `replication_verdict(cert, site, appliances, traffic_nodes) -> ReplicationVerdict`.
- `bundleguard.certs.chain`
    `build_chain(certs: Sequence[x509.Certificate], anchors=None) -> ChainReport`
    (`.ordered` leaf-first, `.leaf`, `.complete`, `.missing_issuer`, `.root_present`,
    `.duplicates`, `.unrelated`, `.extra_leaves`, `.given_in_order`, `.problems`,
    `.warnings`, `.anchor`). A chain is complete when it reaches a self-signed root or
    a trusted root (`anchors`, by default certifi + this machine's store).
- `bundleguard.certs.validity`
    `check_validity(chain, now=None, expiry_days=30) -> ValidityReport`
    (`.problems`, `.warnings`: plain sentences; `.ok`).
- `bundleguard.certs.trust`
    `check_trust(chain: Sequence[x509.Certificate], hostname: str | None = None,
    now: datetime | None = None) -> TrustReport` (`.publicly_trusted`,
    `.trusted_by_system`, `.needs_software_update`, `.summary`, `.verdict`).
- `bundleguard.certs.roots`
    `public_roots()`, `system_roots()` (cached), `load_system_roots(platform=None)`:
    the one module here that reads files.
- `bundleguard.certs.describe`
    `fingerprint_sha256(cert) -> str` (uppercase hex with colons),
    `subject_text(cert) -> str`, `common_name(cert) -> str | None`.
- `bundleguard.certs.pkcs12`
    `inspect_pkcs12(data, name="", passphrase=None) -> Pkcs12Report`;
    `rewrap_pkcs12(data, passphrase, new_passphrase, legacy=False) -> bytes`.
- `bundleguard.certs.extract`
    `extract_chain(certs) -> Extraction` (`.files`: `ExtractedFile(filename, data, role)`,
    certificates only, names safe on Windows; `.chain`: the ChainReport).
- `bundleguard.certs.inspect`
    `inspect_files(files: Sequence[InputFile], site=None, appliances=(), traffic_nodes=(),
    now=None, expiry_days=30) -> InspectReport` — everything `bundleguard inspect`
    prints; `to_jsonable(report)` is its `--json` form.
"""
