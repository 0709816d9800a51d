"""Screenshots of an appliance's Status > Basics page, without Qt.

Strategies sit behind one function, tried in order (normcap's `screenshot/` shape): mss,
then Qt's screen grab and the Wayland desktop portal (both live in `gui/` and are passed
in); a pasted, dropped or opened image is always possible besides. Crop and redaction are
pure Pillow functions on the captured pixels.

Modules and their public API:

- `bundleguard.capture.models`
    `Rect(x, y, width, height)`; `Monitor(index, name, logical, physical, scale, primary)`
    and `Monitor.from_logical(...)`; `StrategyKind` (preference order); the `Strategy`
    protocol (`kind`, `install_instructions`, `is_compatible()`, `is_installed()`,
    `capture(monitor) -> PIL.Image`); `Attempt`; `CaptureResult(image, strategy, reason,
    attempts)`; `CaptureError`.
- `bundleguard.capture.screen`
    `capture_screen(monitor, strategies) -> CaptureResult` — the image in physical pixels
    or a plain-words reason (no display, Wayland without portal, macOS without the
    screen-recording permission, a blank capture); `capture_problem(strategies)` — the
    same reason before trying, or None.
- `bundleguard.capture.environment`
    `Session`, `detect_session()`, `macos_screen_recording_allowed()`,
    `macos_request_screen_recording()`, `MACOS_PRIVACY_SETTINGS`.
- `bundleguard.capture.mss_strategy`
    `MssStrategy` — X11, Windows and macOS (Retina pixels).
- `bundleguard.capture.image`
    `image_from_bytes(data, name)` (size read from the header and refused past the
    limits of bundleguard.imagelimits before decoding), `check_image_size(width, height,
    name)`,
    `flatten(image)`, `is_blank(image)`,
    `crop_region(image, monitor, region)`, `monitor_from_desktop(desktop, monitor,
    desktop_logical)`, `redact(image, boxes)`, `encode_png(image) -> bytes` (no metadata).
"""
