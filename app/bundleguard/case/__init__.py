"""The case: the user's piece of work as a document, and the actions both shells call.

No Qt here. Public API:
- `bundleguard.case.model`: `Case`, `ApplianceEntry`, `Role`, `ROLES`, `Replication`,
  `Verification`, `CaseFileError`, `default_role(index)`, `parse_role(text)`,
  `check_screenshots(entries, screenshots)` (`ScreenshotCountError`),
  `case_to_json(case, case_file)`,
  `case_from_json(document, case_file)`, `case_to_bytes`, `case_to_text`, `case_from_bytes`,
  `SUFFIX`, `case_key(case)`, `verification_is_current(case)` (is the saved live check about
  it?); the limits (`MAX_FILES`, `MAX_APPLIANCES`, `MAX_PATH`, `MAX_HOSTNAME`, `MAX_ADDRESS`,
  `MAX_INCIDENT`, `MAX_SUPPORT_ADDRESS`, `MAX_SUMMARY`, `MAX_VERIFICATION_TEXT`,
  `MAX_CASE_BYTES`, ...) kept by reader and writer alike, `check_can_add(case, files,
  appliances=, case_file=)` (`CaseLimitError`), `cut_text(text, limit)`, `Unknown` (fields
  of a newer version, written back).
- `bundleguard.case.store`: `load_case(path) -> Case`, `save_case(case, path) -> Path`,
  `CaseStore` (the user's cases in the data folder: `open`, `open_last`, `save`,
  `recent`, `files_dir`, `new_case_path`), `Opened`, `data_dir()`, `log_dir()`.
- `bundleguard.case.actions`: `plan_case(case, *, anchors, now=None) -> tuple[BundlePlan,
  ...]`, `write_case_bundles(plans, out_dir, *, force=False, eml=True, to="", now=None,
  progress=None, cancel=None) -> BatchResult`, `case_with_overrides(case, ...)`,
  `appliance_entries(given, screenshots, *, role=None)`, `split_host_role(text)`,
  `MissingScreenshotError`, `NoApplianceError`.
- `bundleguard.case.probing`: `probe_case(case, timeout=, expected=, cancel=, progress=)
  -> ProbeReport`, `case_targets(case)`, `case_site(case)`, `with_probe_overrides(case,
  site=, appliances=, traffic_nodes=)`, `entry_from_spec(spec, role)`, `NoSiteError`.
- `bundleguard.case.replication`: the Replicate step as facts (`pkcs12_rows`, `coverage_rows`,
  `verification_grid`, `update_wait`).
- `bundleguard.case.strength`: how strong a new passphrase for a private key is (zxcvbn's
  estimate and feedback; `judge_passphrase(passphrase, context)`, `case_context(case,
  source)`, `check_new_passphrase`, `MIN_LENGTH`, `WeakPassphraseError`).
- `bundleguard.case.texts`: the one judge of text from outside before it is stored or
  copied (`key_material_in`, `key_material_in_report`, `checked`, `stored_verification`,
  `KeyMaterialError`, `shortened`, and the limits `MAX_NAME` ... `MAX_STORED_TEXT`).
- `bundleguard.case.rewrap`: the re-wrap action both shells call (`rewrap_export(source,
  target, current, new, *, legacy=, replace=, forbidden=, before_write=) -> Rewrapped`,
  `Rewrapped.words(escape)`, `RewrapTargetError`) and where a re-wrapped PKCS#12 may go
  (`default_target(source)`, `target_path`, `target_problem(target, source, forbidden)`,
  `check_target`, `forbidden_folders(case, files_folder)`, `needs_current_passphrase`).
- `bundleguard.case.extract`: the extract action both shells call (`extract_certificates(
  source, passphrase, folder, *, anchors=, for_case=, known=, replace=) ->
  ExtractedCertificates`).
- `bundleguard.case.replicate`: the Replicate step's choices (`open_export` ->
  `ExportFacts | NeedsPassphrase`, `case_chain`, `plan_certificate`, `judge_trust`,
  `primary_link`, `appliance_link`, `import_hosts`, `with_export`, `with_imported`,
  `with_vendor_update`, `is_recorded_export`, `exported_choice`).
- `bundleguard.case.steps`: the window's five steps as data (`Step`, `STEPS`).
- `bundleguard.case.evidence`: each file of a case read once and judged once per change on
  disk (`EvidenceCache.judge(paths) -> Evidence`, `FileEvidence`, `FileKey`, `file_key`,
  `walk` (the guard's one walker), `shared_evidence()`); plans, chain and trust derive from it.
- `bundleguard.case.outputs`: where a case's bundles go when it names no folder
  (`default_output_folder(documents, site, incident)` = DOCUMENTS/bundleguard/SITE-INCIDENT,
  `default_folder_name`, `with_output_folder(case, documents)`, `documents_folder()`) and
  what a written bundle holds, read back from the zip (`bundle_contents(path) ->
  BundleContents`).
"""
