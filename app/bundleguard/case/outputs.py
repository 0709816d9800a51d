"""Where a case's bundles go when it names no folder, and what a written bundle holds.

- The default output folder is `DOCUMENTS/bundleguard/SITE-INCIDENT`: the shell finds the
  user's documents folder (the window through Qt, the command line through `platformdirs`,
  `$BUNDLEGUARD_DOCUMENTS_DIR` first in both) and `default_output_folder` names the rest
  from the case's site and incident, which are untrusted text: the folder name has no path
  separator, no `..`, no control character, no reserved Windows name (CON, NUL, COM1...),
  no trailing dot or space, and at most `MAX_FOLDER_NAME` characters. Nothing is made here:
  the bundle writer makes the folder when it writes the first bundle.
- `bundle_contents(path)` reopens a written zip and says what it holds (the screenshot,
  the leaf, how many intermediates, the root), from its own manifest and the certificates
  in its members: what support will find, not what was meant to go in.

No Qt here.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bundleguard.case.model import Case
from bundleguard.naming import ascii_text, safe_name_part

__all__ = [
    "APP_FOLDER",
    "ENV_DOCUMENTS_DIR",
    "MAX_FOLDER_NAME",
    "BundleContents",
    "bundle_contents",
    "default_folder_name",
    "default_output_folder",
    "documents_folder",
    "with_output_folder",
]

APP_FOLDER = "bundleguard"
ENV_DOCUMENTS_DIR = "BUNDLEGUARD_DOCUMENTS_DIR"
MAX_FOLDER_NAME = 64
NO_NAME = "new-case"


# --------------------------------------------------------------------------- the folder


def _name_part(text: str) -> str:
    """One untrusted text as a piece of a folder name ("" when nothing of it is usable)."""
    # Control and format characters (a newline, a bidi override, a zero-width space) go
    # altogether: replaced, they would make a name that looks like another.
    kept = "".join(c for c in text if unicodedata.category(c)[0] != "C")
    part = safe_name_part(ascii_text(kept))
    while ".." in part:
        part = part.replace("..", ".")
    return "" if part == "unnamed" else part


def default_folder_name(site: str, incident: str) -> str:
    """`SITE-INCIDENT` as a folder name safe on Windows, macOS and Linux.

    The site is a hostname (lower-cased: names are case-blind); the incident is kept whole
    and the site cut first when the name is too long. Neither given: "new-case"."""
    site_part = _name_part(site.strip().lower())
    incident_part = _name_part(incident.strip())
    if incident_part and len(incident_part) > MAX_FOLDER_NAME // 2:
        incident_part = incident_part[: MAX_FOLDER_NAME // 2].rstrip("._-")
    if site_part and incident_part:
        room = MAX_FOLDER_NAME - len(incident_part) - 1
        site_part = site_part[:room].rstrip("._-")
    name = "-".join(part for part in (site_part, incident_part) if part)
    if not name:
        return NO_NAME
    # Once more as a whole: a cut may leave a trailing dot, or make a reserved name.
    return safe_name_part(name[:MAX_FOLDER_NAME])


def default_output_folder(documents: str | os.PathLike[str], site: str, incident: str) -> Path:
    """`documents/bundleguard/SITE-INCIDENT` (nothing is made)."""
    return Path(documents) / APP_FOLDER / default_folder_name(site, incident)


def documents_folder(env: Mapping[str, str] | None = None) -> Path | None:
    """The user's documents folder as `platformdirs` knows it (the command line's;
    the window asks Qt), or `$BUNDLEGUARD_DOCUMENTS_DIR` when set. None: none is known."""
    env = os.environ if env is None else env
    if env.get(ENV_DOCUMENTS_DIR):
        return Path(env[ENV_DOCUMENTS_DIR])
    import platformdirs

    found = platformdirs.user_documents_dir()
    return Path(found) if found else None


def with_output_folder(case: Case, documents: str | os.PathLike[str] | None) -> Case:
    """`case` as it is built: its own output folder, or the default one when it names
    none (and a documents folder is known)."""
    if case.output.strip() or documents is None or not str(documents).strip():
        return case
    return case.with_changes(output=str(default_output_folder(documents, case.site, case.incident)))


# --------------------------------------------------------------------------- what it holds


@dataclass(frozen=True)
class BundleContents:
    """What one written bundle holds, read back from the zip."""

    screenshot: bool
    leaf: bool
    intermediates: int
    root: bool
    self_signed: bool = False  # the leaf is its own root
    other_certificates: int = 0  # certificates that are not part of the leaf's chain

    @property
    def parts(self) -> tuple[str, ...]:
        """The words, in the order support reads a chain: "screenshot", "leaf",
        "1 intermediate", "root" (and what is missing, said as such)."""
        words = ["screenshot" if self.screenshot else "no screenshot"]
        if self.self_signed:
            words.append("self-signed leaf")
        else:
            words.append("leaf" if self.leaf else "no leaf")
            if self.intermediates:
                count = self.intermediates
                words.append(f"{count} intermediate{'s' if count != 1 else ''}")
            words.append("root" if self.root else "no root")
        if self.other_certificates:
            count = self.other_certificates
            words.append(f"{count} other certificate{'s' if count != 1 else ''}")
        return tuple(words)

    def __str__(self) -> str:
        return ", ".join(self.parts)


def bundle_contents(path: str | os.PathLike[str]) -> BundleContents:
    """Reopen a written bundle and say what it holds, from its manifest's member types and
    the certificates in its certificate members. Raises `OSError`, `ValueError` (a zip
    that is not a bundle) or `BundleGuardError` (a member that is not a certificate)."""
    import zipfile

    from bundleguard.bundle.manifest import parse_entries
    from bundleguard.bundle.plan import MANIFEST_NAME
    from bundleguard.certs.chain import build_chain
    from bundleguard.certs.load import load_certificates

    try:
        with zipfile.ZipFile(path) as archive:
            entries = parse_entries(archive.read(MANIFEST_NAME))
            screenshot = any(entry.type == "image" for entry in entries)
            certificates = [
                certificate
                for entry in entries
                if entry.type == "certificate"
                for certificate in load_certificates(archive.read(entry.name), entry.name)
            ]
    except (zipfile.BadZipFile, KeyError) as error:
        raise ValueError(f"'{Path(path).name}' is not a bundle: {type(error).__name__}") from None
    if not certificates:
        return BundleContents(screenshot, leaf=False, intermediates=0, root=False)
    chain = build_chain(certificates)
    in_chain = len(chain.ordered)
    others = len(certificates) - len(chain.duplicates) - in_chain
    if in_chain == 1 and chain.root_present:
        return BundleContents(
            screenshot, True, 0, True, self_signed=True, other_certificates=others
        )
    intermediates = in_chain - 1 - (1 if chain.root_present else 0)
    return BundleContents(
        screenshot,
        leaf=chain.leaf is not None,
        intermediates=intermediates,
        root=chain.root_present,
        other_certificates=others,
    )
