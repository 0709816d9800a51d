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
    corrupt input raises `InputError` (`DamagedCertificateError` with a plain reason when a
    field such as a duplicated extension does not parse; `TooManyCertificatesError` past
    `MAX_CERTIFICATES`). `fully_parsed(cert, name)` is that one check.
    `detect_format(data) -> str` ("pem", "der", "pkcs7", "pkcs12", "unknown");
    `pem_blocks(data)` (linear) yields `PemBlock(label, body, start, end)`.
- `bundleguard.certs.names`
    `covers(cert, hostname: str) -> bool`;
    `coverage(cert, names: Iterable[str]) -> CoverageReport` (`.covered`, `.uncovered`);
    `normalize_hostname(text) -> str` (raises `HostnameError`: labels of 1-63 letters,
    digits and hyphens, 253 in all, IDNA; IP literals taken; no wildcard);
    `replication_verdict(cert, site, appliances, traffic_nodes) -> ReplicationVerdict`.
- `bundleguard.certs.chain`
    `build_chain(certs: Sequence[x509.Certificate], anchors=()) -> ChainReport`
    (`.ordered` leaf-first, `.leaf`, `.complete`, `.missing_issuer`, `.root_present`,
    `.duplicates`, `.unrelated`, `.extra_leaves`, `.given_in_order`, `.problems`,
    `.warnings`, `.anchor`, `.to_json()`). A chain is complete when it reaches a root
    (`describe.is_root`) or one of `anchors` (nothing is read: pass `TrustAnchors.all`).
    Linear: issuers are indexed by subject name and key identifier.
- `bundleguard.certs.anchors`
    `TrustAnchors(public, system)` (frozen; `.all`), `NO_ANCHORS`,
    `load_trust_anchors() -> TrustAnchors` (reads certifi and this machine's store: the
    shell calls it once and passes it in).
- `bundleguard.certs.validity`
    `check_validity(chain, now=None, expiry_days=30) -> ValidityReport`
    (`.problems`, `.warnings`: plain sentences; `.ok`); `check_expiry_days(n)` refuses a
    period outside 0..`MAX_EXPIRY_DAYS` with `InputError`.
- `bundleguard.certs.trust`
    `check_trust(chain: Sequence[x509.Certificate], hostname: str | None = None,
    now: datetime | None = None, *, anchors: TrustAnchors = NO_ANCHORS) -> TrustReport`
    (`.publicly_trusted`,
    `.trusted_by_system`, `.needs_software_update`, `.summary`, `.verdict`);
    `trust_sentence(report) -> str`: THE answer in one sentence every page shows
    ("Software update needed: yes / no / not known — …"; a chain without its issuers, or
    no chain, is "not known").
- `bundleguard.certs.roots`
    `public_roots()`, `system_roots()` (cached), `load_system_roots(platform=None)`:
    the one module here that reads files (through `anchors.load_trust_anchors`).
- `bundleguard.certs.describe`
    `fingerprint_sha256(cert) -> str` (uppercase hex with colons),
    `subject_text(cert) -> str`, `common_name(cert) -> str | None`,
    `is_root(cert)` (THE rule for "root": self-signed), `chain_role(index, cert)`.
- `bundleguard.certs.details`
    `certificate_details(cert, now=None) -> CertificateDetails` (subject, issuer,
    subjectAltNames, validity and days left, serial, SHA-256 and SHA-1 fingerprints, key,
    usages, every extension as `ExtensionDetail`; exact values, `.to_json()`);
    `detail_lines(details, escape)` / `details_text(details, escape)`: the words the
    window's Certificate details view and `inspect --details` show.
- `bundleguard.certs.summary`
    `CertificateSummary` (`.of(cert, role="")`, `.to_json()`): one certificate at a
    glance, for `inspect` and `probe` alike.
- `bundleguard.certs.pkcs12`
    `inspect_pkcs12(data, name="", passphrase=None, anchors=()) -> Pkcs12Report`;
    `rewrap_pkcs12(data, passphrase, new_passphrase, legacy=False) -> bytes`.
- `bundleguard.certs.extract`
    `extract_chain(certs, anchors=()) -> Extraction` (`.files`:
    `ExtractedFile(filename, data, role)`, certificates only, names safe on Windows;
    `.chain`: the ChainReport).
- `bundleguard.certs.inspect`
    `inspect_files(files: Sequence[InputFile], site=None, appliances=(), traffic_nodes=(),
    now=None, expiry_days=30, anchors=None) -> InspectReport` — everything
    `bundleguard inspect` prints (`.files`: `InspectedFile`; `.certificates`:
    `CertificateSummary`); `report.to_json()` is its `--json` form.
- `bundleguard.certs.render`
    `render_inspect(report)`, `render_details(report)`, `render_written(path)`,
    `render_extraction_notes(extraction)`, `render_rewrapped(path, legacy)`: the text the
    commands print, untrusted text escaped.
"""
