"""The Screenshot step: one Status > Basics screenshot per appliance, captured or pasted.

The page asks `bundleguard.capture` for a screenshot of the chosen monitor (after hiding the
window and an optional delay), lets the user pick the area on `RegionOverlay`, or takes a
pasted or dropped image; the user draws redaction boxes on the preview, and the case action
`case.screenshots.save_screenshot` (run in the page's worker) writes the PNG (pixels only,
boxes burned in) into the case folder, atomically, never through a link out of it; a new
picture keeps the one it replaces aside (`screenshotReplaced`, for undo).

Nothing is read, decoded or encoded on the window's thread: a box shows at once, painted
over the preview; the PNG with the boxes burned in is encoded and written in the page's
worker, and while one save runs only the latest set of boxes is saved next (latest wins).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QMimeData,
    QPoint,
    QRect,
    QRectF,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from bundleguard.capture.models import CaptureError, Rect, Strategy
from bundleguard.case.screenshots import screenshot_file_name as screenshot_file_name
from bundleguard.gui import workers
from bundleguard.gui.widgets import appliance_url, plain_tooltip
from bundleguard.text import visible

if TYPE_CHECKING:
    from PIL import Image

    from bundleguard.case.screenshots import SavedScreenshot
    from bundleguard.gui.overlay import RegionOverlay

CAPTURE_SHORTCUT = "Ctrl+Shift+K"
"""Taken by no system: not Print Screen, not macOS's Cmd+Shift+3/4/5 (Ctrl is Cmd there)."""

DELAYS = (0, 3, 5)
HIDE_SETTLE_MS = 350
"""Time for the window system to take our hidden window off the screen before the grab."""

CLIPBOARD_IMAGE_FORMATS = (
    "image/png",
    "image/jpeg",
    "image/bmp",
    "image/gif",
    "image/webp",
    "image/tiff",
)
"""Pasted or dropped image data taken as the bytes the other program offered, so that its
size is read from the header (and refused) before a pixel is decoded, in a worker."""

PREVIEW_SIDE = 2048
"""The preview is drawn from a copy at most this many pixels a side, made in the worker."""

OFFER_PASTE = (
    "You can still take the screenshot with your system's own tool, then paste it here "
    "(Ctrl+V) or drop the image file onto this page."
)


# --- work done in the page's worker, never on the GUI thread ------------------------------


@dataclass(frozen=True, eq=False)
class _Rendered:
    """A screenshot written: the unredacted pixels, the file, the preview of the
    unredacted pixels (the page paints the boxes over it; None when not asked for), and
    what the case action said (`saved.kept`: the screenshot it replaced, kept aside)."""

    original: Image.Image
    path: Path
    preview: QImage | None
    saved: SavedScreenshot


def _decoded_file(path: Path) -> Image.Image:
    """The picture in `path` (its size checked first). Its bytes are the case's evidence
    (`case.evidence`): a file already judged (dropped with the certificates, or named by
    the case) is not read again, and the bundle plans use the same read."""
    from bundleguard.capture.image import image_from_bytes
    from bundleguard.case.evidence import shared_evidence
    from bundleguard.files import read_input_file

    entry = shared_evidence().judge_one(path)
    if entry.unread is not None:
        raise CaptureError(visible(entry.unread[1]))
    if entry.verdict == "image" and entry.data is not None:
        return image_from_bytes(entry.data, visible(path.name))
    # Refused by the guard: the decoder's own words say why (too large, not a picture).
    shown_as = visible(str(path))  # the name in messages: its bidi characters as escapes
    image_from_bytes(read_input_file(path, name=shown_as), visible(path.name))
    reasons = " ".join(entry.report.reasons) or "it is not an image"
    raise CaptureError(f"{visible(path.name)} cannot be the screenshot: {reasons}")


def _decoded_bytes(data: bytes, name: str) -> Image.Image:
    from bundleguard.capture.image import image_from_bytes

    return image_from_bytes(data, name)


def _decoded_qimage(image: QImage) -> Image.Image:
    from bundleguard.gui.qtcapture import qimage_to_pillow

    return qimage_to_pillow(image)


def _preview_of(image: Image.Image) -> QImage:
    from bundleguard.gui.qtcapture import pillow_to_qimage

    if max(image.size) > PREVIEW_SIDE:
        image = image.copy()
        image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    return pillow_to_qimage(image)


def _render(
    image: Image.Image,
    boxes: tuple[Rect, ...],
    folder: Path,
    hostname: str,
    *,
    preview: bool = True,
    new_picture: bool = False,
) -> _Rendered:
    """Save the screenshot through the case action (`case.screenshots.save_screenshot`:
    redact, encode, write, never through a link out of the case folder); a `new_picture`
    keeps the one it replaces aside. With `preview`, also the preview of the unredacted
    pixels."""
    from bundleguard.case.screenshots import save_screenshot

    saved = save_screenshot(folder, hostname, image, boxes, keep_replaced=new_picture)
    return _Rendered(saved.image, saved.path, _preview_of(saved.image) if preview else None, saved)


def _take(
    decode: Callable[..., Image.Image], source: tuple, folder: Path, hostname: str
) -> _Rendered:
    """Decode a pasted, dropped or opened picture (its size checked first) and save it.

    A whole picture of one flat colour is refused: it shows nothing.
    """
    from bundleguard.case.screenshots import save_screenshot

    saved = save_screenshot(folder, hostname, decode(*source), refuse_blank=True)
    return _Rendered(saved.image, saved.path, _preview_of(saved.image), saved)


def _loaded(path: Path) -> tuple[Image.Image, QImage]:
    """A screenshot file the case names, decoded (its size checked first), with its preview
    (read once for the page and the bundle plans alike: `_decoded_file`)."""
    image = _decoded_file(path)
    return image, _preview_of(image)


def _image_format(mime: QMimeData) -> str | None:
    """The first image format whose bytes `mime` offers (a PNG from another program)."""
    offered = {name.lower(): name for name in mime.formats()}
    return next((offered[f] for f in CLIPBOARD_IMAGE_FORMATS if f in offered), None)


def plain_label(text: str = "", *, wrap: bool = True) -> QLabel:
    """A label that never interprets its text (host names and file names are untrusted)."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setText(text)
    return label


@dataclass
class _Shot:
    """One appliance's screenshot as the page holds it: the unredacted pixels and the boxes."""

    original: Image.Image | None = None
    boxes: list[Rect] = field(default_factory=list)
    path: Path | None = None
    problem: str = ""  # why the file given for it cannot be shown
    preview: QImage | None = None  # the unredacted picture, at most PREVIEW_SIDE a side
    # Its background work (read, take, save): the latest wins, older results are dropped.
    job: workers.LatestJob | None = field(default=None, compare=False, repr=False)
    loading: bool = False
    saving: bool = False  # a save of the boxes runs in the worker ...
    save_again: bool = False  # ... and the boxes changed since it began: save the latest


class RedactionPreview(QWidget):
    """The screenshot, scaled to fit; dragging on it draws a box to black out."""

    boxDrawn = Signal(object)  # Rect in the image's pixels
    # Ctrl+Z while the preview has the keyboard and shows a box: the last box goes.
    undoBoxRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Screenshot preview")
        self.setAccessibleDescription(
            "Drag on the picture to black out anything that must not be sent; "
            "Ctrl+Z removes the last box."
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab or a click: Ctrl+Z is its own
        self.setMinimumSize(320, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._pixmap: QPixmap | None = None
        self._image_size = (0, 0)
        self._start: QPoint | None = None
        self._end: QPoint | None = None
        self._empty_text = "No screenshot yet."
        self._boxes: tuple[Rect, ...] = ()
        self._picture: QImage | None = None

    def set_image(
        self,
        picture: QImage | None,
        size: tuple[int, int] = (0, 0),
        empty_text: str = "No screenshot yet.",
    ) -> None:
        """Show `picture` (perhaps scaled down) for an image of `size` pixels; boxes drawn
        are given in the image's own pixels."""
        self._empty_text = empty_text
        if picture is None or picture.isNull():
            self._pixmap, self._image_size, self._picture = None, (0, 0), None
        else:
            if picture is not self._picture or self._pixmap is None:
                self._pixmap = QPixmap.fromImage(picture)  # once per picture, not per box
            if picture is not self._picture:
                self._start = self._end = None  # a drag on another picture ends
            self._picture = picture
            self._image_size = size if all(size) else (picture.width(), picture.height())
        if self._pixmap is None:
            self._start = self._end = None
        self.update()

    def set_boxes(self, boxes: Sequence[Rect]) -> None:
        """The areas to black out, in the image's pixels: painted over the picture at once
        (the saved file gets them burned in, in the page's worker)."""
        self._boxes = tuple(boxes)
        self.update()

    def boxes(self) -> tuple[Rect, ...]:
        return self._boxes

    def event(self, event: QEvent) -> bool:
        # Ctrl+Z here takes the last box back while there is one; with none, it stays the
        # window's Edit > Undo.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Undo)
            and self._boxes
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Undo) and self._boxes:
            self.undoBoxRequested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def _to_widget(self, box: Rect) -> QRectF:
        area = self.image_area()
        width, height = self._image_size
        sx, sy = area.width() / width, area.height() / height
        return QRectF(area.x() + box.x * sx, area.y() + box.y * sy, box.width * sx, box.height * sy)

    def image_area(self) -> QRectF:
        """Where the picture is drawn inside the widget (aspect kept, centred, never enlarged)."""
        width, height = self._image_size
        if not width or not height:
            return QRectF()
        dpr = self.devicePixelRatioF()
        scale = min(self.width() / width, self.height() / height, 1 / dpr)
        shown_w, shown_h = width * scale, height * scale
        return QRectF((self.width() - shown_w) / 2, (self.height() - shown_h) / 2, shown_w, shown_h)

    def _to_image(self, point: QPoint) -> tuple[int, int]:
        area = self.image_area()
        width, height = self._image_size
        x = (point.x() - area.x()) * width / area.width()
        y = (point.y() - area.y()) * height / area.height()
        return round(min(max(x, 0), width)), round(min(max(y, 0), height))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._pixmap is not None and event.button() == Qt.MouseButton.LeftButton:
            self._start = self._end = event.position().toPoint()
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._start is not None:
            self._end = event.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._start is None or event.button() != Qt.MouseButton.LeftButton:
            return
        (x1, y1), (x2, y2) = self._to_image(self._start), self._to_image(event.position().toPoint())
        self._start = self._end = None
        self.update()
        box = Rect.from_corners(x1, y1, x2, y2)
        if box.width >= 2 and box.height >= 2:
            self.boxDrawn.emit(box)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        if self._pixmap is None:
            # A dashed frame says "drop here" without words.
            painter.setPen(QPen(self.palette().mid().color(), 2, Qt.PenStyle.DashLine))
            painter.drawRoundedRect(self.rect().adjusted(4, 4, -4, -4), 8, 8)
            painter.setPen(self.palette().windowText().color())
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._empty_text,
            )
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        area = self.image_area()
        painter.drawPixmap(area, self._pixmap, QRectF(self._pixmap.rect()))
        for box in self._boxes:
            painter.fillRect(self._to_widget(box), QColor(0, 0, 0))
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.drawRect(area)
        if self._start is not None and self._end is not None:
            drag = QRect(self._start, self._end).normalized()
            painter.fillRect(drag, QColor(0, 0, 0, 160))
            painter.setPen(QPen(QColor(255, 200, 0), 2))
            painter.drawRect(drag)
        painter.end()


class ScreenshotPage(QWidget):
    """The Screenshot step for one case's appliances."""

    screenshotSaved = Signal(str, str)  # hostname, path of the PNG written
    # hostname, case.screenshots.SavedScreenshot: a new picture was saved (its `kept` is
    # the screenshot it replaced, kept aside; `restore_screenshot` puts it back)
    screenshotReplaced = Signal(str, object)
    openStatusRequested = Signal(str)  # hostname: the window opens https://HOST/appliance

    def __init__(
        self,
        folder: Callable[[], Path],
        parent: QWidget | None = None,
        *,
        strategies: Sequence[Strategy] | None = None,
    ) -> None:
        super().__init__(parent)
        self._folder = folder
        self._strategies = strategies
        self._shots: dict[str, _Shot] = {}
        self._capturing_for: str | None = None
        self._hidden_window: QWidget | None = None
        self._overlay: RegionOverlay | None = None
        # One worker, so that jobs end in the order they began: the file last written is
        # the one last asked for.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self.setAcceptDrops(True)
        self.setAccessibleName("Screenshot")
        self._build()
        self.screenshotReplaced.connect(self._next_without_screenshot)
        self.screenshotSaved.connect(self._capture_problem_answered)
        self._refresh_monitors()
        self._show_appliance()
        app = QGuiApplication.instance()
        if app is not None:
            app.screenAdded.connect(self._refresh_monitors)
            app.screenRemoved.connect(self._refresh_monitors)

    # --- building -------------------------------------------------------------------

    def _button(self, text: str, name: str, slot: Callable[[], None], tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _build(self) -> None:
        shortcut_text = QKeySequence(CAPTURE_SHORTCUT).toString(
            QKeySequence.SequenceFormat.NativeText
        )
        intro = plain_label(
            "Support needs a screenshot of each appliance's /appliance > Status > Basics "
            "page. Open it in the browser, then capture it here, or paste or drop a "
            "screenshot you took yourself."
        )
        self.problem_label = plain_label()
        self.problem_label.setAccessibleName("Capture problem")
        self.problem_label.setStyleSheet("QLabel { padding: 6px; border: 1px solid palette(mid); }")
        self.problem_label.hide()
        self.settings_button = self._button(
            "Open Screen Recording settings",
            "Open Screen Recording settings",
            self._open_macos_settings,
            "Opens macOS System Settings where screen recording is allowed",
        )
        self.settings_button.hide()

        self.appliance_list = QListWidget()
        self.appliance_list.setAccessibleName("Appliances for screenshots")
        self.appliance_list.setMaximumWidth(320)
        # Every hostname whole: one longer than the list is wide wraps (at a dot or a
        # hyphen, else anywhere), never cut short or scrolled out of view.
        self.appliance_list.setWordWrap(True)
        self.appliance_list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.appliance_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.appliance_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.appliance_list.currentRowChanged.connect(lambda _row: self._show_appliance())

        self.host_label = plain_label(wrap=False)
        self.host_label.setAccessibleName("Appliance")
        font = self.host_label.font()
        font.setBold(True)
        self.host_label.setFont(font)

        self.open_status_button = self._button(
            "Open Status > Basics",
            "Open Status > Basics",
            self._open_status,
            "Opens this appliance's /appliance page in the browser: log in, then choose "
            "Status > Basics",
        )
        self.capture_button = self._button(
            "Capture screenshot",
            "Capture screenshot",
            self.capture,
            f"Hides this window, captures the chosen screen and lets you select the page "
            f"({shortcut_text})",
        )
        self.retake_button = self._button(
            "Retake",
            "Retake screenshot",
            self.capture,
            f"Captures again, replacing this screenshot ({shortcut_text})",
        )
        self.paste_button = self._button(
            "Paste image",
            "Paste image",
            self.paste_image,
            "Uses the image on the clipboard (Ctrl+V)",
        )
        self.open_button = self._button(
            "Open image…", "Open image file", self._open_image, "Choose an image file"
        )

        self.monitor_combo = QComboBox()
        self.monitor_combo.setAccessibleName("Screen to capture")
        self.monitor_combo.setToolTip("The screen that shows the appliance's page")
        self.delay_combo = QComboBox()
        self.delay_combo.setAccessibleName("Delay before capture")
        self.delay_combo.setToolTip("Time to bring the browser to the front first")
        for seconds in DELAYS:
            self.delay_combo.addItem("No delay" if not seconds else f"{seconds} seconds", seconds)
        screen_label = QLabel("Screen:")
        screen_label.setBuddy(self.monitor_combo)
        delay_label = QLabel("Delay:")
        delay_label.setBuddy(self.delay_combo)

        self.preview = RedactionPreview()
        self.preview.boxDrawn.connect(self._add_box)
        self.preview.undoBoxRequested.connect(self._undo_box)
        self.undo_button = self._button(
            "Undo last box",
            "Undo last redaction",
            self._undo_box,
            "Removes the last black box",
        )
        self.clear_button = self._button(
            "Clear boxes", "Clear redactions", self._clear_boxes, "Removes every black box"
        )
        redact_hint = plain_label(
            "Drag on the picture to black out anything that must not be sent; the "
            "pixels are replaced in the saved file."
        )
        self.status_label = plain_label()
        self.status_label.setAccessibleName("Screenshot status")

        actions = QHBoxLayout()
        for widget in (
            self.open_status_button,
            self.capture_button,
            self.retake_button,
            self.paste_button,
            self.open_button,
        ):
            actions.addWidget(widget)
        actions.addStretch(1)
        options = QHBoxLayout()
        for widget in (screen_label, self.monitor_combo, delay_label, self.delay_combo):
            options.addWidget(widget)
        options.addStretch(1)
        redactions = QHBoxLayout()
        redactions.addWidget(redact_hint, 1)
        redactions.addWidget(self.undo_button)
        redactions.addWidget(self.clear_button)

        detail = QVBoxLayout()
        detail.addWidget(self.host_label)
        detail.addLayout(actions)
        detail.addLayout(options)
        detail.addWidget(self.preview, 1)
        detail.addLayout(redactions)
        detail.addWidget(self.status_label)

        body = QHBoxLayout()
        body.addWidget(self.appliance_list)
        body.addLayout(detail, 1)

        problem_row = QHBoxLayout()
        problem_row.addWidget(self.problem_label, 1)
        problem_row.addWidget(self.settings_button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(problem_row)
        layout.addLayout(body, 1)

        self.capture_shortcut = QShortcut(QKeySequence(CAPTURE_SHORTCUT), self)
        self.capture_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.capture_shortcut.activated.connect(self.capture)
        self.setTabOrder(self.appliance_list, self.open_status_button)

    # --- the interface the window uses -------------------------------------------------

    def set_appliances(self, hostnames: Sequence[str], screenshots: Mapping[str, str]) -> None:
        """Show these appliances; `screenshots` holds the screenshot already chosen for each."""
        current = self.current_hostname()
        shots: dict[str, _Shot] = {}
        for host in hostnames:
            known = self._shots.get(host)
            given = screenshots.get(host)
            if given and (known is None or known.path != Path(given)):
                shots[host] = _Shot(path=Path(given))
            else:
                shots[host] = known if known is not None else _Shot()
        self._shots = shots
        self.appliance_list.blockSignals(True)
        self.appliance_list.clear()
        for host in hostnames:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, host)
            self.appliance_list.addItem(item)
            self._label_item(item)
        self.appliance_list.blockSignals(False)
        # Every hostname whole (similar names must not be told apart by their first letters),
        # up to the list's maximum width; longer ones wrap.
        widest = max((self.appliance_list.sizeHintForColumn(0),), default=0)
        frame = 2 * self.appliance_list.frameWidth() + 8
        self.appliance_list.setMinimumWidth(min(widest + frame, self.appliance_list.maximumWidth()))
        names = list(hostnames)
        self.appliance_list.setCurrentRow(names.index(current) if current in names else 0)
        self._show_appliance()

    def current_hostname(self) -> str | None:
        item = self.appliance_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def strategies(self) -> Sequence[Strategy]:
        if self._strategies is None:
            from bundleguard.gui.qtcapture import default_strategies

            self._strategies = default_strategies()
        return self._strategies

    # --- showing ---------------------------------------------------------------------

    def _label_item(self, item: QListWidgetItem) -> None:
        host = item.data(Qt.ItemDataRole.UserRole)
        shot = self._shots.get(host)
        has = shot is not None and shot.path is not None and not shot.problem
        state = "screenshot saved" if has else "no screenshot yet"
        name = visible(host)  # a bidi override or zero-width space shows as its escape
        item.setText(f"{'✔' if has else '○'}  {name}")  # item text is never rich text
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{name}: {state}")
        item.setToolTip(plain_tooltip(f"{name}: {state}"))

    def _refresh_item(self, host: str) -> None:
        for row in range(self.appliance_list.count()):
            item = self.appliance_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == host:
                self._label_item(item)

    def _refresh_monitors(self, *_args) -> None:
        from bundleguard.gui.qtcapture import monitors_from_screens

        previous = self.monitor_combo.currentData()
        self.monitor_combo.clear()
        monitors = monitors_from_screens()
        for monitor in monitors:
            self.monitor_combo.addItem(monitor.label, monitor)
        chosen = next(
            (i for i, m in enumerate(monitors) if previous is not None and m == previous),
            next((i for i, m in enumerate(monitors) if m.primary), 0),
        )
        self.monitor_combo.setCurrentIndex(chosen)
        self.monitor_combo.setEnabled(len(monitors) > 1)

    # --- background jobs ----------------------------------------------------------------

    def _start_job(
        self,
        host: str,
        fn: Callable[..., object],
        args: tuple,
        done: Callable[[_Shot, object], str | None],
        failed: Callable[[_Shot, str], str | None],
        kwargs: Mapping[str, object] | None = None,
    ) -> None:
        """Run `fn(*args)` in the page's worker; `done`/`failed` get the answer on the GUI
        thread, unless a newer job for the same screenshot was started since. What they
        return is said in the status line."""
        shot = self._shots.setdefault(host, _Shot())
        if shot.job is None:
            shot.job = workers.LatestJob(self, self._pool)

        def answered(report: Callable[[_Shot, object], str | None], value: object) -> None:
            if self._shots.get(host) is shot:
                words = report(shot, value)
                self._refresh_item(host)
                self._show_appliance_if(host)
                if words:
                    self._say(words)

        shot.job.start(
            fn,
            *args,
            done=lambda value: answered(done, value),
            failed=lambda text: answered(failed, text),
            **(kwargs or {}),
        )

    def wait_for_jobs(self, msecs: int = 30_000) -> bool:
        """Wait for the page's background jobs (tests, and closing)."""
        return self._pool.waitForDone(msecs)

    def _load(self, host: str, shot: _Shot) -> None:
        """Read a screenshot file named by the case, once, when it is first shown."""
        if shot.original is not None or shot.path is None or shot.problem or shot.loading:
            return
        shot.loading = True

        def done(shot: _Shot, value: object) -> None:
            shot.loading = False
            shot.original, shot.preview = value  # type: ignore[misc]

        def failed(shot: _Shot, message: str) -> None:
            shot.loading = False
            shot.problem = message

        self._start_job(host, _loaded, (shot.path,), done, failed)

    def _show_appliance(self) -> None:
        host = self.current_hostname()
        has_host = host is not None
        for widget in (
            self.open_status_button,
            self.capture_button,
            self.paste_button,
            self.open_button,
        ):
            widget.setEnabled(has_host)
        if host is None:
            self.host_label.setText("Add an appliance in the Case step first.")
            self.preview.set_image(None, empty_text="No appliance yet.")
            for widget in (self.retake_button, self.undo_button, self.clear_button):
                widget.setEnabled(False)
            return
        shot = self._shots[host]
        self._load(host, shot)
        self.host_label.setText(visible(host))
        if shot.original is not None and shot.preview is not None:
            self.preview.set_image(shot.preview, shot.original.size)
            self.preview.set_boxes(shot.boxes)
        elif shot.loading:
            self.preview.set_image(None, empty_text="Reading the screenshot…")
            self.preview.set_boxes(())
        else:
            self.preview.set_image(
                None,
                empty_text="No screenshot yet: capture one, paste one (Ctrl+V) or drop an "
                "image file here.",
            )
            self.preview.set_boxes(())
        self.retake_button.setEnabled(shot.original is not None)
        self.undo_button.setEnabled(bool(shot.boxes))
        self.clear_button.setEnabled(bool(shot.boxes))
        self._say(self._status_of(shot))

    @staticmethod
    def _status_of(shot: _Shot) -> str:
        if shot.problem:
            return shot.problem
        if shot.loading:
            return f"Reading {shot.path.name if shot.path else 'the screenshot'}…"
        if shot.path is not None and shot.original is not None:
            boxes = len(shot.boxes)
            blacked = f", {boxes} area{'s' if boxes != 1 else ''} blacked out" if boxes else ""
            size = f"{shot.original.width}×{shot.original.height} pixels{blacked}"
            if shot.saving:
                return f"Saving {shot.path.name} ({size})…"
            return f"Saved as {shot.path.name} ({size})."
        return ""

    def _say(self, text: str) -> None:
        self.status_label.setText(text)

    def _show_problem(self, reason: str | None) -> None:
        import sys

        from bundleguard.capture.screen import MACOS_PERMISSION

        if reason:
            self.problem_label.setText(f"{reason}\n{OFFER_PASTE}")
            self.problem_label.show()
        else:
            self.problem_label.hide()
        self.settings_button.setVisible(sys.platform == "darwin" and reason == MACOS_PERMISSION)

    def _capture_problem_answered(self, _host: str, _path: str) -> None:
        """A screenshot was saved: a capture that failed before is no longer news (what
        stops capturing here for good, `capture_problem`, is still said)."""
        from bundleguard.capture.screen import capture_problem

        self._show_problem(capture_problem(self.strategies()))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._capturing_for is None:
            from bundleguard.capture.screen import capture_problem

            self._show_problem(capture_problem(self.strategies()))

    # --- capture -----------------------------------------------------------------------

    def capture(self) -> None:
        """Hide the window, wait the chosen delay, capture the screen, let the user select."""
        host = self.current_hostname()
        if host is None or self._capturing_for is not None:
            return
        from bundleguard.capture.screen import MACOS_PERMISSION, capture_problem

        problem = capture_problem(self.strategies())
        if problem:
            self._show_problem(problem)
            if problem == MACOS_PERMISSION:
                from bundleguard.capture.environment import macos_request_screen_recording

                macos_request_screen_recording()
            self._say("The screen cannot be captured here; paste or drop a screenshot instead.")
            return
        self._capturing_for = host
        self._hidden_window = self.window()
        self._hidden_window.hide()
        delay = int(self.delay_combo.currentData() or 0)
        QTimer.singleShot(max(delay * 1000, HIDE_SETTLE_MS), self._grab)

    def _restore_window(self) -> None:
        window, self._hidden_window = self._hidden_window, None
        if window is not None:
            window.show()
            window.raise_()
            window.activateWindow()

    def _grab(self) -> None:
        from bundleguard.capture.screen import capture_screen
        from bundleguard.gui.overlay import RegionOverlay
        from bundleguard.gui.qtcapture import screen_for_monitor

        monitor = self.monitor_combo.currentData()
        if monitor is None:
            self._capture_failed("There is no screen to capture.")
            return
        result = capture_screen(monitor, self.strategies())
        if result.image is None:
            self._capture_failed(result.reason)
            return
        self._overlay = RegionOverlay(result.image, monitor, screen_for_monitor(monitor))
        image = result.image
        self._overlay.regionSelected.connect(lambda region: self._region_chosen(image, region))
        self._overlay.cancelled.connect(self._capture_cancelled)
        self._overlay.open()

    def _capture_failed(self, reason: str) -> None:
        self._capturing_for = None
        self._restore_window()
        self._show_problem(reason)
        self._say("No screenshot was taken; paste or drop one instead.")

    def _capture_cancelled(self) -> None:
        self._overlay = None
        if self._capturing_for is None:
            return
        self._capturing_for = None
        self._restore_window()
        self._say("Capture cancelled; nothing was changed.")

    def _region_chosen(self, image: Image.Image, region: Rect) -> None:
        from bundleguard.capture.image import crop_region
        from bundleguard.errors import BundleGuardError

        host, self._capturing_for = self._capturing_for, None
        overlay, self._overlay = self._overlay, None
        self._restore_window()
        if host is None or overlay is None:
            return
        try:
            cropped = crop_region(image, overlay.monitor, region)
        except BundleGuardError as error:
            self._say(str(error))
            return
        self._use_image(host, cropped)

    # --- paste, drop, open ---------------------------------------------------------------

    def paste_image(self) -> bool:
        """Use the clipboard's image (or image file) for the current appliance."""
        return self.use_mime(
            QGuiApplication.clipboard().mimeData(), "The clipboard", "The pasted image"
        )

    def use_mime(
        self, mime: QMimeData | None, where: str, image_name: str = "The dropped image"
    ) -> bool:
        """Take an image, or a local image file, from pasted or dropped data.

        The picture is decoded in the worker, its size checked before its pixels; True when
        it was taken up (the answer comes later, in the status line).
        """
        host = self.current_hostname()
        if host is None or mime is None:
            return False
        image_format = _image_format(mime)
        if image_format is not None:
            data = bytes(mime.data(image_format).data())
            if data:
                self._take(host, _decoded_bytes, (data, image_name))
                return True
        if mime.hasImage():
            # Only a picture already decoded (by this program, or by Qt for a format it does
            # not offer as bytes): its size is checked before it is converted.
            from bundleguard.capture.image import check_image_size

            qimage = mime.imageData()
            if isinstance(qimage, QImage) and not qimage.isNull():
                try:
                    check_image_size(qimage.width(), qimage.height(), image_name)
                except CaptureError as error:
                    self._say(str(error))
                    return False
                self._take(host, _decoded_qimage, (qimage,))
                return True
        files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
        if files:
            return self.use_file(Path(files[0]))
        self._say(f"{where} holds no image.")
        return False

    def use_file(self, path: Path) -> bool:
        """Use the image in `path` for the current appliance (read, checked and decoded in
        the worker; the status line says the outcome)."""
        host = self.current_hostname()
        if host is None:
            return False
        self._take(host, _decoded_file, (path,))
        return True

    def _take(self, host: str, decode: Callable[..., Image.Image], source: tuple) -> None:
        def done(shot: _Shot, value: object) -> None:
            assert isinstance(value, _Rendered)
            shot.original, shot.path, shot.preview = value.original, value.path, value.preview
            shot.boxes, shot.problem = [], ""
            self.screenshotSaved.emit(host, str(value.path))
            self.screenshotReplaced.emit(host, value.saved)

        self._say("Reading the image…")
        self._new_picture(host)
        self._start_job(host, _take, (decode, source, self._folder(), host), done, self._failed)

    def _new_picture(self, host: str) -> None:
        """A new picture replaces the screenshot: a save of the old one's boxes still
        running is answered no more (its file is written over by the new picture's)."""
        shot = self._shots.get(host)
        if shot is not None:
            shot.saving = shot.save_again = False

    @staticmethod
    def _failed(shot: _Shot, message: str) -> str:
        return message  # said once the page shows the appliance again

    def _open_image(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open a screenshot", "", "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp)"
        )
        if name:
            self.use_file(Path(name))

    @staticmethod
    def _is_image_drop(mime: QMimeData) -> bool:
        """Image data only (a picture dragged from another program). Files go on to the
        window, which routes them by the guard's verdict, not by their names' suffix: an
        image to the appliance shown here, a certificate to the certificates."""
        return mime.hasImage() or _image_format(mime) is not None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.current_hostname() is not None and self._is_image_drop(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()  # certificates dropped here go on to the window

    def dragMoveEvent(self, event) -> None:
        if self.current_hostname() is not None and self._is_image_drop(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if not self._is_image_drop(event.mimeData()):
            event.ignore()
            return
        event.acceptProposedAction()
        self.use_mime(event.mimeData(), "What was dropped")

    def event(self, event: QEvent) -> bool:
        # Ctrl+V inside this page pastes a screenshot, even if the window binds it too.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Paste)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste_image()
            event.accept()
            return
        super().keyPressEvent(event)

    # --- redaction and saving -----------------------------------------------------------

    def _use_image(self, host: str, image: Image.Image) -> None:
        """Keep the part of a capture the user chose as the appliance's screenshot and save
        it (it may be plain: it is theirs to pick)."""

        def done(shot: _Shot, value: object) -> None:
            assert isinstance(value, _Rendered)
            shot.original, shot.path, shot.preview = value.original, value.path, value.preview
            shot.boxes, shot.problem = [], ""
            self.screenshotSaved.emit(host, str(value.path))
            self.screenshotReplaced.emit(host, value.saved)

        self._new_picture(host)
        self._start_job(
            host,
            _render,
            (image, (), self._folder(), host),
            done,
            self._failed,
            kwargs={"new_picture": True},
        )

    def _editable(self) -> tuple[str, _Shot] | None:
        """The shown appliance's screenshot, when its pixels are here to draw boxes on (a
        picture still being read or taken is not)."""
        host = self.current_hostname()
        if host is None:
            return None
        shot = self._shots[host]
        busy = shot.job is not None and shot.job.busy
        if shot.original is None or shot.loading or (busy and not shot.saving):
            return None
        return host, shot

    def _add_box(self, box: Rect) -> None:
        if (found := self._editable()) is not None:
            found[1].boxes.append(box)
            self._boxes_changed(*found)

    def _undo_box(self) -> None:
        if (found := self._editable()) is not None and found[1].boxes:
            found[1].boxes.pop()
            self._boxes_changed(*found)

    def _clear_boxes(self) -> None:
        if (found := self._editable()) is not None and found[1].boxes:
            found[1].boxes.clear()
            self._boxes_changed(*found)

    def _boxes_changed(self, host: str, shot: _Shot) -> None:
        """Show the boxes at once (painted over the preview), then save them."""
        self.preview.set_boxes(shot.boxes)
        self.undo_button.setEnabled(bool(shot.boxes))
        self.clear_button.setEnabled(bool(shot.boxes))
        self._save(host)
        self._say(self._status_of(shot))

    def _save(self, host: str) -> None:
        """Burn the boxes into the pixels and write the PNG into the case folder, in the
        worker. One save at a time: boxes drawn meanwhile are saved when it ends, the
        latest set only (latest wins)."""
        shot = self._shots[host]
        assert shot.original is not None
        if shot.saving:
            shot.save_again = True
            return
        shot.saving, shot.save_again = True, False

        def finished(shot: _Shot) -> bool:
            """The save ended; True when the boxes it saved are still the latest."""
            shot.saving = False
            if shot.save_again and self._shots.get(host) is shot:
                self._save(host)
                return False
            return True

        def done(shot: _Shot, value: object) -> None:
            assert isinstance(value, _Rendered)
            if finished(shot):
                shot.path = value.path
                self.screenshotSaved.emit(host, str(value.path))

        def failed(shot: _Shot, message: str) -> str | None:
            return message if finished(shot) else None

        boxes = tuple(shot.boxes)
        self._start_job(
            host,
            _render,
            (shot.original, boxes, self._folder(), host),
            done,
            failed,
            kwargs={"preview": False},
        )

    def _next_without_screenshot(self, host: str, _saved: object = None) -> None:
        """A new screenshot of the appliance shown was saved: the next one still without a
        screenshot is selected (after it in the list, then from the top). The user who
        moved on meanwhile stays where they are."""
        if self.current_hostname() != host:
            return
        count = self.appliance_list.count()
        start = self.appliance_list.currentRow()
        for step in range(1, count):
            item = self.appliance_list.item((start + step) % count)
            shot = self._shots.get(item.data(Qt.ItemDataRole.UserRole))
            if shot is None or shot.path is None:
                self.appliance_list.setCurrentItem(item)
                return

    def show_file(self, host: str, path: Path | None) -> None:
        """Show `host`'s screenshot from the file at `path` again (None: none), dropping the
        picture held in memory (Edit > Undo put another file there, or none)."""
        if host in self._shots:
            self._shots[host] = _Shot(path=path)
            self._refresh_item(host)
            self._show_appliance_if(host)

    def put_back(
        self, host: str, path: Path, kept: Path, answered: Callable[[Path | None], None]
    ) -> None:
        """Edit > Undo or Redo of a replaced screenshot: in the page's worker (after any save
        of the same appliance still running), the file kept aside goes back at `path`
        (`case.screenshots.put_back_screenshot`; the one there is kept aside in turn:
        `answered(where)`), and the picture is read again from it."""
        from bundleguard.case.screenshots import put_back_screenshot

        self._new_picture(host)

        def done(_shot: _Shot, value: object) -> None:
            answered(value)  # type: ignore[arg-type]
            self._shots[host] = _Shot(path=path)

        self._start_job(host, put_back_screenshot, (path, kept), done, self._failed)

    def _show_appliance_if(self, host: str) -> None:
        if self.current_hostname() == host:
            self._show_appliance()

    # --- links -------------------------------------------------------------------------

    def _open_status(self) -> None:
        host = self.current_hostname()
        if host is None:
            return
        from bundleguard.certs.names import HostnameError

        try:
            url = appliance_url(host)
        except HostnameError as error:
            self._say(f"The appliance page cannot be opened: {error}")
            return
        self.openStatusRequested.emit(host)
        self._say(f"Opening {url}: log in, choose Status > Basics, then come back and capture it.")

    def _open_macos_settings(self) -> None:
        from bundleguard.capture.environment import MACOS_PRIVACY_SETTINGS
        from bundleguard.gui import opener

        where = "System Settings > Privacy & Security > Screen Recording"
        opener.open_settings(MACOS_PRIVACY_SETTINGS, where, self)
