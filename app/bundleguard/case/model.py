"""The case: one piece of the user's work (a site, its appliances, its certificate files),
as immutable values with their rules, and as a `.bgcase` JSON document.

A case file is something users keep and send to a colleague, so it holds names, paths and
results only: never a passphrase, never key bytes. Paths are stored relative to the case
file when they lie beside it or below, absolute otherwise, and come back absolute.
"""

from __future__ import annotations

import codecs
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bundleguard.errors import InputError
from bundleguard.roles import ROLES, Role
from bundleguard.text import counted, shown

FORMAT = "bundleguard-case"
VERSION = 1
SUFFIX = ".bgcase"

# The limits of a case, kept by the reader and the writer alike: the writer never writes
# what the reader would refuse, and the window checks them when something is added.
# Names and paths past their limit are refused (a cut name would name another host or
# file); the saved check's summary and text are cut with a marker (a record of the last
# check, made again with one click; a very long one froze the Replicate step).
MAX_CASE_BYTES = 4 << 20  # the whole file, in bytes
MAX_FILES = 1000  # certificate files of a case
MAX_APPLIANCES = 100  # a failover pair or an Atlas cluster's nodes, with room to spare
MAX_PATH = 4096  # a file or folder path, in characters (Linux's PATH_MAX)
MAX_HOSTNAME = 253  # the site, an appliance's or an imported appliance's name (DNS)
MAX_ADDRESS = 261  # where to connect: a 253-character name, IPv6 brackets and ":65535"
MAX_INCIDENT = 64  # a support incident number
MAX_SUPPORT_ADDRESS = 254  # an email address (RFC 5321's path, without its brackets)
MAX_FINGERPRINT = 128  # a SHA-256 fingerprint, with or without colons
MAX_STAMP = 64  # a date and time, a role, a case key
MAX_SUMMARY = 1000  # the saved check's one-line summary: longer ones are cut
MAX_VERIFICATION_TEXT = 128 << 10  # the saved check's text, in characters: longer is cut
MAX_DEPTH = 32  # nesting of the document (fields this version does not know included)
MAX_NUMBER_DIGITS = 100  # digits of any number in the document


class CaseFileError(InputError):
    """A `.bgcase` file cannot be used (damaged, of another version, a wrong field)."""


class CaseLimitError(InputError):
    """What was to be added would make a case past one of its limits; the message says
    which, so nothing is added that the case could not be saved and opened with."""


class Unknown(Mapping[str, object]):
    """Fields a newer bundleguard wrote that this one does not know, kept as they were
    read (frozen: objects as `Unknown`, lists as tuples) and written back on save."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, object] | None = None) -> None:
        frozen = {} if items is None else {str(k): _frozen(v) for k, v in items.items()}
        object.__setattr__(self, "_items", frozen)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Unknown fields are read-only")

    def __getitem__(self, key: str) -> object:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Unknown):
            return list(self._items.items()) == list(other._items.items())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return f"Unknown({self._items!r})"

    def to_json(self) -> dict[str, object]:
        """The fields as JSON values again (objects as dicts, lists as lists)."""
        return {key: _thawed(value) for key, value in self._items.items()}


def _frozen(value: object) -> object:
    if isinstance(value, Mapping):
        return Unknown(value)
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    return value


def _thawed(value: object) -> object:
    if isinstance(value, Unknown):
        return value.to_json()
    if isinstance(value, tuple):
        return [_thawed(item) for item in value]
    return value


NOTHING_UNKNOWN = Unknown()


@dataclass(frozen=True)
class ApplianceEntry:
    """One appliance of the case: its own hostname, its role, where to connect to it
    (empty: look the hostname up) and its Status > Basics screenshot (empty: none yet)."""

    hostname: str
    role: Role = Role.PRIMARY
    address: str = ""
    screenshot: str = ""
    unknown: Unknown = NOTHING_UNKNOWN  # fields a newer bundleguard wrote: written back

    def with_changes(self, **changes: Any) -> ApplianceEntry:
        """This appliance with `changes`, keeping what a newer version stored in it."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Verification:
    """The outcome of the last live check of the case's appliances, as the user saw it."""

    checked_at: str
    ok: bool
    summary: str
    text: str = ""
    # What the check was made for (`replication.case_key`): the site and each appliance's
    # name, role and address. Empty in older files: then it cannot tell.
    case_key: str = ""
    unknown: Unknown = NOTHING_UNKNOWN


@dataclass(frozen=True)
class Replication:
    """Where the user is in replicating the certificate (never the PKCS#12's passphrase)."""

    exported_pkcs12: str = ""
    exported_fingerprint: str = ""
    imported: tuple[str, ...] = ()
    vendor_update_installed: str = ""
    verification: Verification | None = None
    unknown: Unknown = NOTHING_UNKNOWN


@dataclass(frozen=True)
class Case:
    """The whole piece of work. Every field may still be empty while the user edits."""

    site: str = ""
    incident: str = ""
    support_address: str = ""
    output: str = ""
    appliances: tuple[ApplianceEntry, ...] = ()
    files: tuple[str, ...] = ()
    replication: Replication = field(default_factory=Replication)
    unknown: Unknown = NOTHING_UNKNOWN

    def with_changes(self, **changes: Any) -> Case:
        return replace(self, **changes)

    @property
    def primary(self) -> ApplianceEntry | None:
        for entry in self.appliances:
            if entry.role is Role.PRIMARY:
                return entry
        return self.appliances[0] if self.appliances else None


def case_key(case: Case) -> str:
    """What a live check depends on, as a short digest: the site and each appliance's
    name, role and address, in order. Another key: the check was made for another case."""
    import hashlib

    facts = [
        case.site.strip().lower(),
        [[a.hostname.strip().lower(), a.role.value, a.address.strip()] for a in case.appliances],
    ]
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:16]


FilePlace = tuple[int, str]
"""Where a file was in the case's list: (its index, its path)."""


def file_places(case: Case, paths: Iterable[str]) -> tuple[FilePlace, ...]:
    """Where each of `paths` the case holds is in its files, in the list's order (what
    taking them out would lose: `files_put_back` puts them where they were)."""
    wanted = set(paths)
    return tuple((index, path) for index, path in enumerate(case.files) if path in wanted)


def files_put_back(case: Case, places: Iterable[FilePlace]) -> tuple[str, ...]:
    """The case's files with each removed file back at its old index (taken in ascending
    order, so every index means what it meant before the removal; past the end: at the
    end). A path the case holds again meanwhile stays where it is now."""
    files = list(case.files)
    present = set(files)
    for index, path in sorted(places):
        if path not in present:
            files.insert(min(index, len(files)), path)
            present.add(path)
    return tuple(files)


def appliance_put_back(case: Case, index: int, entry: ApplianceEntry) -> tuple[ApplianceEntry, ...]:
    """The case's appliances with `entry` (all its fields, its screenshot too) back at
    `index` (past the end: at the end)."""
    entries = list(case.appliances)
    entries.insert(max(0, min(index, len(entries))), entry)
    return tuple(entries)


def verification_is_current(case: Case) -> bool | None:
    """Is the saved check still about this case? None: no check saved, or saved by an older
    bundleguard that did not record what it was made for."""
    saved = case.replication.verification
    if saved is None or not saved.case_key:
        return None
    return saved.case_key == case_key(case)


def default_role(index: int) -> Role:
    """The role of an appliance given without one: the first is the primary, the next
    ones its backups."""
    return Role.PRIMARY if index == 0 else Role.BACKUP


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise InputError(f"'{text}' is not a role: use one of {', '.join(ROLES)}.") from None


class ScreenshotCountError(InputError):
    """Not one screenshot per appliance; `.appliances` and `.screenshots` are the counts."""

    def __init__(self, appliances: int, screenshots: int) -> None:
        self.appliances = appliances
        self.screenshots = screenshots
        super().__init__(
            "Give one screenshot per appliance, in the same order "
            f"({counted(appliances, 'appliance')}, {counted(screenshots, 'screenshot')})."
        )


def check_screenshots(entries: Sequence[ApplianceEntry], screenshots: Sequence[str]) -> None:
    """One screenshot per appliance: each bundle shows its own appliance's Status > Basics."""
    if len(screenshots) != len(entries):
        raise ScreenshotCountError(len(entries), len(screenshots))


# --------------------------------------------------------------------------- the file


def _stored_path(path: str, base: Path) -> str:
    if not path:
        return ""
    # Strings, not pathlib: a case of 1,000 files is saved after every change, in the GUI
    # thread (relative_to made that 20 ms). normcase: Windows paths compare case-blind.
    resolved = os.path.abspath(path)
    folder = str(base)
    if os.path.normcase(resolved) == os.path.normcase(folder):
        return "."
    prefix = os.path.join(folder, "")
    if os.path.normcase(resolved).startswith(os.path.normcase(prefix)):
        return resolved[len(prefix) :].replace(os.sep, "/")
    return resolved


def _loaded_path(text: str, base: Path) -> str:
    if not text:
        return ""
    path = Path(text)
    return str(path if path.is_absolute() else (base / path))


def entered_path(text: str, base: str | os.PathLike[str]) -> str:
    """A path as the user typed it, made absolute once, when it is entered: `~` is the
    home folder, a relative path starts at `base` (a command's working folder, the case's
    folder in the window). "" stays "". Nothing is read or created."""
    text = text.strip()
    if not text:
        return ""
    path = Path(text).expanduser()
    return os.path.normpath(path if path.is_absolute() else Path(base) / path)


def case_to_json(case: Case, case_file: Path | None = None) -> dict[str, object]:
    """The document of version 1; paths relative to `case_file`'s folder where they can be.

    Fields this version does not know follow the known ones, as they were read; the saved
    check's summary and text are cut as the reader cuts them."""
    base = Path(os.path.abspath(case_file)).parent if case_file is not None else None

    def stored(path: str) -> str:
        return _stored_path(path, base) if base is not None else path

    replication = case.replication
    verification = replication.verification
    return _with_unknown(
        {
            "format": FORMAT,
            "version": VERSION,
            "site": case.site,
            "incident": case.incident,
            "support_address": case.support_address,
            "output": stored(case.output),
            "appliances": [
                _with_unknown(
                    {
                        "hostname": entry.hostname,
                        "role": entry.role.value,
                        "address": entry.address,
                        "screenshot": stored(entry.screenshot),
                    },
                    entry.unknown,
                )
                for entry in case.appliances
            ],
            "files": [stored(path) for path in case.files],
            "replication": _with_unknown(
                {
                    "exported_pkcs12": stored(replication.exported_pkcs12),
                    "exported_fingerprint": replication.exported_fingerprint,
                    "imported": list(replication.imported),
                    "vendor_update_installed": replication.vendor_update_installed,
                    "verification": None
                    if verification is None
                    else _with_unknown(
                        {
                            "checked_at": verification.checked_at,
                            "ok": verification.ok,
                            "summary": cut_text(verification.summary, MAX_SUMMARY),
                            "text": cut_text(verification.text, MAX_VERIFICATION_TEXT),
                            "case_key": verification.case_key,
                        },
                        verification.unknown,
                    ),
                },
                replication.unknown,
            ),
        },
        case.unknown,
    )


def _with_unknown(known: dict[str, object], unknown: Unknown) -> dict[str, object]:
    for key, value in unknown.to_json().items():
        known.setdefault(key, value)  # a field this version knows is always its own
    return known


def case_to_text(case: Case, case_file: Path | None = None) -> str:
    """The case file's text (JSON). Raises `CaseFileError`, naming the field, for a case
    the reader would refuse: nothing is written that cannot be opened again."""
    document = case_to_json(case, case_file)
    _read_document(document, _Reader("The case", "cannot be saved"), None)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _escaped_surrogates(text, document)
    return text


def case_to_bytes(case: Case, case_file: Path | None = None) -> bytes:
    """The case file's bytes, at most `MAX_CASE_BYTES`; else `CaseFileError`."""
    data = case_to_text(case, case_file).encode("utf-8")
    if len(data) > MAX_CASE_BYTES:
        raise CaseFileError(
            f"The case cannot be saved: it would take {len(data):,} bytes, more than the "
            f"{MAX_CASE_BYTES:,} a case file may hold."
        )
    return data


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def _escaped_surrogates(text: str, document: object) -> str:
    """`text` with each lone surrogate written as a JSON escape (`\udce9`), which reads
    back as the same character: a file name that is not UTF-8 (Linux keeps its bytes as
    such surrogates) or a Windows name with half a UTF-16 pair survives a save. Two halves
    in a row would read back as one character, so they are refused."""
    if _SURROGATE_PAIR.search(text):
        read = _Reader("The case", "cannot be saved")
        for parts, value, _depth in _walk(document):
            if isinstance(value, str) and _SURROGATE_PAIR.search(value):
                raise read.fail(f"'{_label(parts)}' holds characters that cannot be saved")
        raise read.fail("a field's name holds characters that cannot be saved")
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def cut_text(text: str, limit: int) -> str:
    """`text`, or its start with a marker saying it was cut, at most `limit` characters."""
    if len(text) <= limit:
        return text
    marker = f" [cut: the saved text held {len(text):,} characters; a case keeps {limit:,}]"
    return text[: limit - len(marker)] + marker


# --------------------------------------------------------------------------- limits


def check_can_add(
    case: Case,
    files: int | Sequence[str] = (),
    *,
    appliances: int = 0,
    case_file: Path | None = None,
) -> None:
    """Raise `CaseLimitError`, with the reason, if adding would make `case` one that could
    not be saved and opened again: more than `MAX_FILES` files or `MAX_APPLIANCES`
    appliances, a path too long or holding a NUL, a file past `MAX_CASE_BYTES`.

    `files`: the paths about to be added (not yet in the case), or only their number.
    """
    count = files if isinstance(files, int) else len(files)
    total = len(case.files) + count
    if count and total > MAX_FILES:
        raise CaseLimitError(
            f"A case holds at most {MAX_FILES:,} files; with {_these(count)} it would hold "
            f"{total:,}."
        )
    total = len(case.appliances) + appliances
    if appliances and total > MAX_APPLIANCES:
        raise CaseLimitError(
            f"A case holds at most {MAX_APPLIANCES:,} appliances; with {_these(appliances)} "
            f"it would hold {total:,}."
        )
    if isinstance(files, int) or not files:
        return
    for path in files:
        problem = _text_problem(path, MAX_PATH)
        if problem:
            raise CaseLimitError(f"'{_short(path)}' cannot be added: its path {problem}.")
    try:
        case_to_bytes(case.with_changes(files=(*case.files, *files)), case_file)
    except CaseFileError as error:
        raise CaseLimitError(str(error)) from None


def _these(count: int) -> str:
    return "this one" if count == 1 else f"these {count:,}"


def _text_problem(value: str, limit: int) -> str:
    if len(value) > limit:
        return f"is {len(value):,} characters long, more than the {limit:,} it may hold"
    if "\x00" in value:
        return "holds a NUL character"
    return ""


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- reading

KNOWN_FIELDS = (
    "format", "version", "site", "incident", "support_address", "output", "appliances",
    "files", "replication",
)  # fmt: skip
KNOWN_APPLIANCE_FIELDS = ("hostname", "role", "address", "screenshot")
KNOWN_REPLICATION_FIELDS = (
    "exported_pkcs12", "exported_fingerprint", "imported", "vendor_update_installed",
    "verification",
)  # fmt: skip
KNOWN_VERIFICATION_FIELDS = ("checked_at", "ok", "summary", "text", "case_key")


class _LongNumber:
    """A number in the document with more digits than a case holds (Python refuses to
    read past 4,300 of them, with an error that names no field): named by the reader."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits


class _NotANumber:
    """NaN, Infinity or a number too large for a float: JSON has no such number."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _Twice(dict):
    """An object in which a key appears twice (JSON leaves it undefined which one counts)."""

    repeated: str = ""


def _parse_int(text: str) -> object:
    digits = len(text) - text.startswith("-")
    return _LongNumber(digits) if digits > MAX_NUMBER_DIGITS else int(text)


def _parse_float(text: str) -> object:
    if len(text) > 4 * MAX_NUMBER_DIGITS:
        return _LongNumber(len(text))
    value = float(text)
    return value if math.isfinite(value) else _NotANumber(text)


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    twice = _Twice(result)
    seen: set[str] = set()
    for key, _value in pairs:
        if key in seen:
            twice.repeated = key
            break
        seen.add(key)
    return twice


Parts = tuple[object, ...]  # where a value is: keys (str) and list indexes (int)


def _label(parts: Parts) -> str:
    """`appliances[0].hostname`: where a value is, as the messages name it."""
    label = ""
    for part in parts:
        if isinstance(part, int):
            label += f"[{part}]"
        else:
            name = shown(_short(str(part), 40))
            label += f".{name}" if label else name
    return label or "the document"


def _walk(document: object) -> Iterator[tuple[Parts, object, int]]:
    """Every value of the document, in order, with where it is and how deep: without
    recursion, so a deeply nested document is an answer, never a `RecursionError`."""
    stack: list[tuple[Parts, object, int]] = [((), document, 0)]
    while stack:
        parts, value, depth = stack.pop()
        yield parts, value, depth
        if isinstance(value, dict):
            if depth < MAX_DEPTH:
                stack.extend(
                    ((*parts, key), item, depth + 1) for key, item in reversed(value.items())
                )
        elif isinstance(value, list) and depth < MAX_DEPTH:
            stack.extend(
                ((*parts, index), value[index], depth + 1)
                for index in range(len(value) - 1, -1, -1)
            )


def _check_values(document: object, read: _Reader) -> None:
    """Every value is one JSON allows and a case can hold; else the first wrong one, named."""
    for parts, value, depth in _walk(document):
        if isinstance(value, (str, bool)) or value is None:
            continue
        if isinstance(value, int):
            if value.bit_length() > MAX_NUMBER_DIGITS * 3.33:
                raise read.fail(f"'{_label(parts)}' is a number of more digits than a case holds")
            continue
        if isinstance(value, float):
            if not math.isfinite(value):
                raise read.fail(f"'{_label(parts)}' is {value}, not a number")
            continue
        if isinstance(value, (dict, list)):
            if value and depth >= MAX_DEPTH:
                raise read.fail(f"'{_label(parts)}' is nested too deeply")
            if isinstance(value, _Twice):
                raise read.fail(f"'{_label((*parts, value.repeated))}' appears twice")
            if isinstance(value, dict) and not all(isinstance(key, str) for key in value):
                raise read.fail(f"'{_label(parts)}' has a field name that is not a text")
            continue
        if isinstance(value, _LongNumber):
            raise read.fail(
                f"'{_label(parts)}' is a number of {value.digits:,} digits, more than a case holds"
            )
        if isinstance(value, _NotANumber):
            raise read.fail(f"'{_label(parts)}' is {_short(value.text)}, not a number")
        raise read.fail(f"'{_label(parts)}' is not a JSON value")


class _Reader:
    """Typed access to a parsed document; every wrong field is a `CaseFileError`."""

    def __init__(self, where: str, verb: str = "cannot be opened") -> None:
        self.where = where
        self.verb = verb

    def fail(self, what: str) -> CaseFileError:
        return CaseFileError(f"{self.where} {self.verb}: {what}.")

    def obj(self, value: object, name: str) -> Mapping[str, object]:
        if not isinstance(value, dict):
            raise self.fail(f"'{name}' is not an object")
        return value

    def text(self, data: Mapping[str, object], key: str, name: str, limit: int) -> str:
        value = data.get(key, "")
        if value is None:
            return ""
        return self.checked(value, name, limit)

    def checked(self, value: object, name: str, limit: int, what: str = "a text") -> str:
        if not isinstance(value, str):
            raise self.fail(f"'{name}' is not {what}")
        problem = _text_problem(value, limit)
        if problem:
            raise self.fail(f"'{name}' {problem}")
        return value

    def items(self, data: Mapping[str, object], key: str, limit: int, noun: str) -> list[object]:
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"'{key}' is not a list")
        if len(value) > limit:
            raise self.fail(f"it lists {len(value):,} {noun}, and a case holds at most {limit:,}")
        return value


def _unknown(
    read: _Reader, data: Mapping[str, object], known: tuple[str, ...], where: Parts
) -> Unknown:
    """The fields of `data` this version does not know, kept to be written back; one that
    holds private key material (in its value or its name) is refused, never kept."""
    extra = {key: value for key, value in data.items() if key not in known}
    if not extra:
        return NOTHING_UNKNOWN
    from bundleguard.case.texts import key_material_in  # (texts needs this module)

    for key, value in extra.items():
        found = key_material_in(key, json.dumps(value, ensure_ascii=False))
        if found is not None:
            named = key if key_material_in(key) is None else _short(key, 16)
            raise read.fail(
                f"'{_label((*where, named))}' holds private key material ({found}); "
                "a case never keeps one"
            )
    return Unknown(extra)


def case_from_json(document: object, case_file: Path | None = None, where: str = "") -> Case:
    """A `Case` from a parsed version-1 document, or `CaseFileError` saying what is wrong."""
    read = _Reader(where or (f"'{case_file}'" if case_file else "The case"))
    base = Path(os.path.abspath(case_file)).parent if case_file is not None else Path.cwd()
    return _read_document(document, read, base)


def _read_document(document: object, read: _Reader, base: Path | None) -> Case:
    """The case in `document`; `base` None: paths as they are stored (the writer's check)."""
    _check_values(document, read)
    data = read.obj(document, "the document")
    if not _says_case(data):
        raise read.fail("it is not a bundleguard case")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise read.fail("it has no version number")
    if version != VERSION:
        raise read.fail(
            f"it is a case of version {version}, and this bundleguard reads version "
            f"{VERSION}; a newer bundleguard may open it"
        )

    def loaded(text: str) -> str:
        return text if base is None else _loaded_path(text, base)

    appliances = []
    for index, raw in enumerate(read.items(data, "appliances", MAX_APPLIANCES, "appliances")):
        name = f"appliances[{index}]"
        item = read.obj(raw, name)
        hostname = read.text(item, "hostname", f"{name}.hostname", MAX_HOSTNAME)
        role_text = read.text(item, "role", f"{name}.role", MAX_STAMP) or default_role(index)
        try:
            role = Role(role_text)
        except ValueError:
            raise read.fail(f"'{name}.role' is not one of {', '.join(ROLES)}") from None
        appliances.append(
            ApplianceEntry(
                hostname=hostname,
                role=role,
                address=read.text(item, "address", f"{name}.address", MAX_ADDRESS),
                screenshot=loaded(read.text(item, "screenshot", f"{name}.screenshot", MAX_PATH)),
                unknown=_unknown(read, item, KNOWN_APPLIANCE_FIELDS, ("appliances", index)),
            )
        )
    files = []
    for index, raw in enumerate(read.items(data, "files", MAX_FILES, "files")):
        path = read.checked(raw, f"files[{index}]", MAX_PATH, "a path")
        if not path:
            raise read.fail(f"'files[{index}]' is not a path")
        files.append(loaded(path))
    return Case(
        site=read.text(data, "site", "site", MAX_HOSTNAME),
        incident=read.text(data, "incident", "incident", MAX_INCIDENT),
        support_address=read.text(data, "support_address", "support_address", MAX_SUPPORT_ADDRESS),
        output=loaded(read.text(data, "output", "output", MAX_PATH)),
        appliances=tuple(appliances),
        files=tuple(files),
        replication=_replication(read, data.get("replication"), loaded),
        unknown=_unknown(read, data, KNOWN_FIELDS, ()),
    )


def _replication(read: _Reader, raw: object, loaded: Callable[[str], str]) -> Replication:
    if raw is None:
        return Replication()
    data = read.obj(raw, "replication")
    imported = []
    for index, host in enumerate(
        read.items(data, "imported", MAX_APPLIANCES, "imported appliances")
    ):
        name = f"replication.imported[{index}]"
        imported.append(read.checked(host, name, MAX_HOSTNAME, "a hostname"))
    verification = None
    if data.get("verification") is not None:
        item = read.obj(data["verification"], "replication.verification")
        ok = item.get("ok")
        if not isinstance(ok, bool):
            raise read.fail("'replication.verification.ok' is not true or false")
        name = "replication.verification"
        verification = Verification(
            checked_at=read.text(item, "checked_at", f"{name}.checked_at", MAX_STAMP),
            ok=ok,
            summary=_long_text(read, item, "summary", f"{name}.summary", MAX_SUMMARY),
            text=_long_text(read, item, "text", f"{name}.text", MAX_VERIFICATION_TEXT),
            case_key=read.text(item, "case_key", f"{name}.case_key", MAX_STAMP),
            unknown=_unknown(
                read, item, KNOWN_VERIFICATION_FIELDS, ("replication", "verification")
            ),
        )
        from bundleguard.case.texts import stored_verification  # (texts needs this module)

        # Judged as written, before any cut: never a key shown, copied or saved again.
        verification = stored_verification(verification, item.get("summary"), item.get("text"))
    from bundleguard.case.texts import stored_fingerprint

    return Replication(
        exported_pkcs12=loaded(
            read.text(data, "exported_pkcs12", "replication.exported_pkcs12", MAX_PATH)
        ),
        exported_fingerprint=stored_fingerprint(  # never a key shown (texts judges it)
            read.text(
                data, "exported_fingerprint", "replication.exported_fingerprint", MAX_FINGERPRINT
            )
        ),
        imported=tuple(imported),
        vendor_update_installed=read.text(
            data, "vendor_update_installed", "replication.vendor_update_installed", MAX_STAMP
        ),
        verification=verification,
        unknown=_unknown(read, data, KNOWN_REPLICATION_FIELDS, ("replication",)),
    )


def _long_text(read: _Reader, data: Mapping[str, object], key: str, name: str, limit: int) -> str:
    """A text of the saved check, cut to `limit` characters with a marker (the record of
    the last check, made again with one click; the Replicate step shows it whole)."""
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise read.fail(f"'{name}' is not a text")
    return cut_text(value, limit)


def _says_case(document: object) -> bool:
    """The reader's own test: a JSON object whose "format" is a bundleguard case's."""
    return isinstance(document, dict) and document.get("format") == FORMAT


# How every case file this app writes begins (`case_to_bytes`: "format" first).
_CASE_START = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"format"\s*:\s*"bundleguard-case"')
_OBJECT_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\{")


def is_case_document(data: bytes) -> bool:
    """Is `data` a case file, by its content whatever the file is called: the one test
    (the reader's own, `_says_case`) of what opens as a case. A case file too large or too
    damaged to be read (it begins as every case file does) still counts, so that opening
    it says why it cannot be; a file named `.bgcase` that is none is just a file."""
    if _OBJECT_START.match(data) is None:
        return False  # not JSON text: no parse (the usual answer, for certificates)
    if len(data) > MAX_CASE_BYTES:
        return _CASE_START.match(data) is not None
    try:
        return _says_case(_parsed(data, "The file"))
    except CaseFileError:
        return _CASE_START.match(data) is not None


def case_from_bytes(data: bytes, case_file: Path | None = None) -> Case:
    """The case in a file's bytes (UTF-8 JSON; a UTF-8 byte order mark, as Notepad writes
    one, is allowed), or `CaseFileError` naming what is wrong and where."""
    where = f"'{case_file}'" if case_file else "The case"
    return case_from_json(_parsed(data, where), case_file, where)


def _parsed(data: bytes, where: str) -> object:
    def fail(what: str) -> CaseFileError:
        return CaseFileError(f"{where} cannot be opened: {what}.")

    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and _is_utf16(data):
        raise fail("it is UTF-16 text, not UTF-8 as a case file is")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise fail(f"it is not UTF-8 text (at byte {error.start:,})") from None
    try:
        return json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_NotANumber,
            object_pairs_hook=_pairs,
        )
    except json.JSONDecodeError as error:
        raise fail(f"it is damaged ({error.msg} at line {error.lineno})") from None
    except RecursionError:
        raise fail("it is nested too deeply") from None
    except ValueError:
        raise fail("it is damaged") from None


def _is_utf16(data: bytes) -> bool:
    try:
        data.decode("utf-16")
    except UnicodeDecodeError:
        return False
    return True
