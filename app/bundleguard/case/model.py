"""The case: one piece of the user's work (a site, its appliances, its certificate files),
as immutable values with their rules, and as a `.bgcase` JSON document.

A case file is something users keep and send to a colleague, so it holds names, paths and
results only: never a passphrase, never key bytes. Paths are stored relative to the case
file when they lie beside it or below, absolute otherwise, and come back absolute.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bundleguard.errors import InputError
from bundleguard.roles import ROLES, Role

FORMAT = "bundleguard-case"
VERSION = 1
SUFFIX = ".bgcase"
MAX_CASE_BYTES = 4 << 20
MAX_TEXT = 4096
MAX_ITEMS = 1000


class CaseFileError(InputError):
    """A `.bgcase` file cannot be used (damaged, of another version, a wrong field)."""


@dataclass(frozen=True)
class ApplianceEntry:
    """One appliance of the case: its own hostname, its role, where to connect to it
    (empty: look the hostname up) and its Status > Basics screenshot (empty: none yet)."""

    hostname: str
    role: Role = Role.PRIMARY
    address: str = ""
    screenshot: str = ""


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


@dataclass(frozen=True)
class Replication:
    """Where the user is in replicating the certificate (never the PKCS#12's passphrase)."""

    exported_pkcs12: str = ""
    exported_fingerprint: str = ""
    imported: tuple[str, ...] = ()
    vendor_update_installed: str = ""
    verification: Verification | None = None


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
            f"({appliances} appliance(s), {screenshots} screenshot(s))."
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


def case_to_json(case: Case, case_file: Path | None = None) -> dict[str, object]:
    """The document of version 1; paths relative to `case_file`'s folder where they can be."""
    base = Path(os.path.abspath(case_file)).parent if case_file is not None else None

    def stored(path: str) -> str:
        return _stored_path(path, base) if base is not None else path

    replication = case.replication
    verification = replication.verification
    return {
        "format": FORMAT,
        "version": VERSION,
        "site": case.site,
        "incident": case.incident,
        "support_address": case.support_address,
        "output": stored(case.output),
        "appliances": [
            {
                "hostname": entry.hostname,
                "role": entry.role.value,
                "address": entry.address,
                "screenshot": stored(entry.screenshot),
            }
            for entry in case.appliances
        ],
        "files": [stored(path) for path in case.files],
        "replication": {
            "exported_pkcs12": stored(replication.exported_pkcs12),
            "exported_fingerprint": replication.exported_fingerprint,
            "imported": list(replication.imported),
            "vendor_update_installed": replication.vendor_update_installed,
            "verification": None
            if verification is None
            else {
                "checked_at": verification.checked_at,
                "ok": verification.ok,
                "summary": verification.summary,
                "text": verification.text,
                "case_key": verification.case_key,
            },
        },
    }


def case_to_bytes(case: Case, case_file: Path | None = None) -> bytes:
    return (json.dumps(case_to_json(case, case_file), indent=2, ensure_ascii=False) + "\n").encode()


class _Reader:
    """Typed access to a parsed document; every wrong field is a `CaseFileError`."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, what: str) -> CaseFileError:
        return CaseFileError(f"{self.where} cannot be opened: {what}.")

    def obj(self, value: object, name: str) -> Mapping[str, object]:
        if not isinstance(value, dict):
            raise self.fail(f"'{name}' is not an object")
        return value

    def text(self, data: Mapping[str, object], key: str, name: str | None = None) -> str:
        value = data.get(key, "")
        label = name or key
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.fail(f"'{label}' is not a text")
        if len(value) > MAX_TEXT or "\x00" in value:
            raise self.fail(f"'{label}' is too long or holds a NUL character")
        return value

    def items(self, data: Mapping[str, object], key: str) -> list[object]:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(f"'{key}' is not a list")
        if len(value) > MAX_ITEMS:
            raise self.fail(f"'{key}' has more than {MAX_ITEMS} entries")
        return value


def case_from_json(document: object, case_file: Path | None = None, where: str = "") -> Case:
    """A `Case` from a parsed version-1 document, or `CaseFileError` saying what is wrong."""
    read = _Reader(where or (f"'{case_file}'" if case_file else "The case"))
    base = Path(os.path.abspath(case_file)).parent if case_file is not None else Path.cwd()
    data = read.obj(document, "the document")
    if data.get("format") != FORMAT:
        raise read.fail("it is not a bundleguard case")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise read.fail("it has no version number")
    if version != VERSION:
        raise read.fail(
            f"it is a case of version {version}, and this bundleguard reads version "
            f"{VERSION}; a newer bundleguard may open it"
        )
    appliances = []
    for index, raw in enumerate(read.items(data, "appliances")):
        item = read.obj(raw, f"appliances[{index}]")
        hostname = read.text(item, "hostname", f"appliances[{index}].hostname")
        role_text = read.text(item, "role", f"appliances[{index}].role") or default_role(index)
        try:
            role = Role(role_text)
        except ValueError:
            raise read.fail(
                f"'appliances[{index}].role' is not one of {', '.join(ROLES)}"
            ) from None
        appliances.append(
            ApplianceEntry(
                hostname=hostname,
                role=role,
                address=read.text(item, "address", f"appliances[{index}].address"),
                screenshot=_loaded_path(
                    read.text(item, "screenshot", f"appliances[{index}].screenshot"), base
                ),
            )
        )
    files = []
    for index, raw in enumerate(read.items(data, "files")):
        if not isinstance(raw, str) or not raw or len(raw) > MAX_TEXT:
            raise read.fail(f"'files[{index}]' is not a path")
        files.append(_loaded_path(raw, base))
    return Case(
        site=read.text(data, "site"),
        incident=read.text(data, "incident"),
        support_address=read.text(data, "support_address"),
        output=_loaded_path(read.text(data, "output"), base),
        appliances=tuple(appliances),
        files=tuple(files),
        replication=_replication(read, data.get("replication"), base),
    )


def _replication(read: _Reader, raw: object, base: Path) -> Replication:
    if raw is None:
        return Replication()
    data = read.obj(raw, "replication")
    imported = []
    for index, host in enumerate(read.items(data, "imported")):
        if not isinstance(host, str) or len(host) > MAX_TEXT:
            raise read.fail(f"'replication.imported[{index}]' is not a hostname")
        imported.append(host)
    verification = None
    if data.get("verification") is not None:
        item = read.obj(data["verification"], "replication.verification")
        ok = item.get("ok")
        if not isinstance(ok, bool):
            raise read.fail("'replication.verification.ok' is not true or false")
        verification = Verification(
            checked_at=read.text(item, "checked_at", "replication.verification.checked_at"),
            ok=ok,
            summary=_long_text(read, item, "summary", "replication.verification.summary"),
            text=_long_text(read, item, "text", "replication.verification.text"),
            case_key=read.text(item, "case_key", "replication.verification.case_key"),
        )
        from bundleguard.case.texts import stored_verification  # (texts needs this module)

        # Judged as written, before any cut: never a key shown, copied or saved again.
        verification = stored_verification(verification, item.get("summary"), item.get("text"))
    return Replication(
        exported_pkcs12=_loaded_path(
            read.text(data, "exported_pkcs12", "replication.exported_pkcs12"), base
        ),
        exported_fingerprint=read.text(
            data, "exported_fingerprint", "replication.exported_fingerprint"
        ),
        imported=tuple(imported),
        vendor_update_installed=read.text(
            data, "vendor_update_installed", "replication.vendor_update_installed"
        ),
        verification=verification,
    )


def _long_text(read: _Reader, data: Mapping[str, object], key: str, name: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or len(value) > 1 << 20:
        raise read.fail(f"'{name}' is not a text")
    return value


def case_from_bytes(data: bytes, case_file: Path | None = None) -> Case:
    where = f"'{case_file}'" if case_file else "The case"
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise CaseFileError(f"{where} cannot be opened: it is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise CaseFileError(
            f"{where} cannot be opened: it is damaged ({error.msg} at line {error.lineno})."
        ) from None
    except RecursionError:
        raise CaseFileError(f"{where} cannot be opened: it is nested too deeply.") from None
    return case_from_json(document, case_file, where)
