"""`manifest.json`: what a bundle holds, so support (and our verifier) can check every byte.

The manifest names the app and its version, the time in UTC, the appliance, its role,
the site and incident, and per member its name, SHA-256, size and detected type. It holds
no file names from the user's disk and nothing secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from bundleguard import __version__
from bundleguard.bundle.plan import BundlePlan, Member

FORMAT = "bundleguard-support-bundle/1"


@dataclass(frozen=True)
class ManifestEntry:
    name: str
    sha256: str
    size: int
    type: str

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "sha256": self.sha256, "size": self.size, "type": self.type}


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entries_for(members: Sequence[Member]) -> tuple[ManifestEntry, ...]:
    return tuple(ManifestEntry(m.name, sha256_hex(m.data), m.size, m.type) for m in members)


def utc_text(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_manifest(plan: BundlePlan, created: dt.datetime) -> bytes:
    """The manifest's bytes (UTF-8 JSON, keys in a stable order)."""
    document = {
        "format": FORMAT,
        "app": "bundleguard",
        "app_version": __version__,
        "created_utc": utc_text(created),
        "appliance": {"hostname": plan.appliance.hostname, "role": plan.appliance.role},
        "site": plan.site,
        "incident": plan.incident,
        "private_key_included": False,
        "members": [entry.to_json() for entry in entries_for(plan.members)],
    }
    return (json.dumps(document, indent=2, ensure_ascii=True) + "\n").encode("ascii")


def parse_entries(data: bytes) -> tuple[ManifestEntry, ...]:
    """The member entries of a manifest; `ValueError` when it is not one of ours."""
    document = json.loads(data.decode("utf-8"))
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("the manifest is not a bundleguard manifest")
    entries = []
    for item in document.get("members", []):
        entries.append(
            ManifestEntry(str(item["name"]), str(item["sha256"]), int(item["size"]), item["type"])
        )
    return tuple(entries)
