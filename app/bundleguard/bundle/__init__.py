"""The support bundle: plan -> write the zip atomically -> verify it; manifest; email draft.

No Qt here: the CLI and the GUI call these and render what they return.

Modules and their public API:

- `bundleguard.bundle.plan`
    `read_input(path) -> BundleInput | Refusal` (through `files.read_input_file`: pipes,
    folders, oversized files refused unread; unreadable raises `InputError`);
    `check_appliance(hostname, role="primary") -> Appliance`; `check_incident(text)`;
    `plan_bundle(appliance, screenshot, certificates, *, site=None, incident=None,
    now=None, public_anchors, system_anchors) -> BundlePlan` — pure: every input through
    the guard (`classify_bytes`), each certificate parsed once (the guard's
    `FileReport.certificates`), PEM and PKCS#7 files re-encoded as PEM from their
    certificates, safe unique member names (`bundleguard.naming`), identical files kept
    once, chain/name/date/trust checks as `.warnings`. `.accepted` is False when anything
    was refused; `.refusals` lists every one (`Refusal`: source, expected, verdict,
    reasons, findings, found). Members (`Member`: name, data, type, source):
    `status-basics-<host>.png` and the certificate files. `BundlePlan.to_json()`.
- `bundleguard.bundle.screenshot`
    `reencode_png(data) -> bytes` (pixels alone, no metadata), `ScreenshotDecodeError`.
- `bundleguard.bundle.render`
    `render_refused(result, hints)`, `render_plan_warnings(plans)`, `render_written(result)`
    — the text of `bundle`, every untrusted string through `text.shown`.
- `bundleguard.bundle.manifest`
    `build_manifest(plan, created) -> bytes`, `parse_entries(data)`, `ManifestEntry`.
- `bundleguard.bundle.writer`
    `write_bundle(plan, out_dir, *, force=False, now=None, progress=None) -> WrittenBundle`
    — temp file in `out_dir`, fsync, verify, then link/rename; never overwrites unless
    `force`; on failure nothing under the final name. `verify_bundle(path, expected=None)`;
    `WARN_SIZE_BYTES` (10 MB warning); careful file writing lives in `bundleguard.files`;
    errors `bundleguard.files.TargetExistsError` (`.path`, `.paths`), `WriteFailedError`,
    `BundleVerificationError`, `BundleRefusedError`.
- `bundleguard.bundle.batch`
    `write_batch(plans, out_dir, *, force, eml, to, now, progress, cancel) -> BatchResult`
    — one zip (and `.eml`) per appliance, nothing at all if any plan is refused;
    `BatchResult.to_json()`, `.cancelled`; `NothingKeptError` (`.error`,
    `.removed`: a file of the set failed, the others were removed); `PartlyWrittenError`
    (`.error`, `.written`, `.left`: some could not be removed); both `SetNotWrittenError`.
- `bundleguard.bundle.email`
    `body_text(bundles) -> str` (to paste into a web mail), `subject_line(bundles)`,
    `make_draft(bundles, to) -> Draft`, `build_eml(draft, bundles) -> bytes` (RFC 5322,
    `X-Unsent: 1`, zip attached), `write_eml(bundle, to, *, force) -> Draft`,
    `check_address(text) -> str`.
- `bundleguard.bundle.mailer`
    `open_draft(draft) -> OpenOutcome` — Windows `.eml`, Thunderbird `-compose`, macOS
    Mail via AppleScript, else the folder + clipboard + plain instructions (never mailto:).
"""
