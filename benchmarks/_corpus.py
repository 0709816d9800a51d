"""Generate the benchmark corpus for `scan_bench.py`, with a ground truth of hidden keys.

The corpus mixes what an appliance admin's folder really holds: certificates and chains
(PEM, DER, PKCS#7), PNG/JPEG images (a few large screenshot-like ones), random binaries,
and large text logs. A few private keys are hidden in it, each in a different way; every
one is recorded in the ground truth with its file, byte span and (for text) line span.

Keys and certificates are generated at run time with `cryptography`: nothing here holds key
material, and no corpus file is ever committed. The layout (names, sizes, offsets up to the
few bytes a key's length varies, filler bytes) is deterministic for a given seed; the key
bytes themselves are fresh on each run.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import random
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import NameOID
from PIL import Image, ImageDraw

MB = 1024 * 1024
CHUNK = 4 * MB

_PEM = serialization.Encoding.PEM
_DER = serialization.Encoding.DER
_PKCS8 = serialization.PrivateFormat.PKCS8
_TRAD = serialization.PrivateFormat.TraditionalOpenSSL
_OPENSSH = serialization.PrivateFormat.OpenSSH
_NOENC = serialization.NoEncryption()
_SPKI = serialization.PublicFormat.SubjectPublicKeyInfo


@dataclass
class HiddenKey:
    """One piece of private key material placed in the corpus."""

    file: str  # path relative to the corpus root, "/" separated
    kind: str  # how it is hidden, e.g. "pem-pkcs8", "json-escaped", "pkcs12-as-crt"
    start: int  # byte span in the file (or in `member`, inside an archive)
    end: int
    member: str | None = None
    line_start: int | None = None  # 1-based line span, for text files read as UTF-8
    line_end: int | None = None


@dataclass
class Corpus:
    root: Path
    seed: int
    files: dict[str, int] = field(default_factory=dict)  # relative path -> size
    categories: dict[str, str] = field(default_factory=dict)  # relative path -> category
    keys: list[HiddenKey] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(self.files.values())

    @property
    def secret_files(self) -> set[str]:
        return {k.file for k in self.keys}

    def add(self, rel: str, category: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        self.categories[rel] = category
        return path

    def done(self, rel: str) -> None:
        self.files[rel] = (self.root / rel).stat().st_size

    def to_json(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "total_bytes": self.total_bytes,
            "files": self.files,
            "categories": self.categories,
            "keys": [asdict(k) for k in self.keys],
        }


# ----------------------------------------------------------------------------- key material


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ec() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def pem_pkcs8() -> bytes:
    return _rsa().private_bytes(_PEM, _PKCS8, _NOENC)


def pem_pkcs1() -> bytes:
    return _rsa().private_bytes(_PEM, _TRAD, _NOENC)


def pem_sec1() -> bytes:
    return _ec().private_bytes(_PEM, _TRAD, _NOENC)


def pem_openssh() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().private_bytes(_PEM, _OPENSSH, _NOENC)


def der_pkcs8() -> bytes:
    return _rsa().private_bytes(_DER, _PKCS8, _NOENC)


# ----------------------------------------------------------------------------- certificates


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Corp"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _cert(subject_cn, subject_key, issuer_cn, issuer_key, *, ca, serial, sans=()):
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject_cn))
        .issuer_name(_name(issuer_cn))
        .public_key(subject_key.public_key())
        .serial_number(serial)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


class _CertFactory:
    """A few keys reused for many certificates: signing is cheap, key generation is not."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.root_key = _rsa()
        self.inter_key = _rsa()
        self.leaf_keys = [_rsa(), _ec()]
        self.root = _cert(
            "Example Root CA", self.root_key, "Example Root CA", self.root_key, ca=True, serial=1
        )
        self.inter = _cert(
            "Example Issuing CA",
            self.inter_key,
            "Example Root CA",
            self.root_key,
            ca=True,
            serial=2,
        )

    def leaf(self, host: str) -> tuple[x509.Certificate, object]:
        key = self.rng.choice(self.leaf_keys)
        cert = _cert(
            host,
            key,
            "Example Issuing CA",
            self.inter_key,
            ca=False,
            serial=self.rng.getrandbits(63) | 1,
            sans=(host, f"site.{host}"),
        )
        return cert, key


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(_PEM) for c in certs)


# ----------------------------------------------------------------------------- text logs

_COMPONENTS = (
    "sshd",
    "nginx",
    "tlsd",
    "appliance",
    "jumpoint",
    "session",
    "ldap",
    "cron",
    "replication",
    "ha-sync",
    "updater",
    "rdp-proxy",
)
_LEVELS = ("INFO",) * 6 + ("DEBUG",) * 3 + ("WARN", "ERROR")
_TEMPLATES = (
    "session {h} opened for user admin{n} from 10.{a}.{b}.{c}",
    "session {h} closed after {m}s (bytes in={n} out={m})",
    'GET /api/command?action=status&id={n} HTTP/1.1" 200 {m} "-" "Mozilla/5.0"',
    "TLS handshake with 10.{a}.{b}.{c}:443 done, cipher TLS_AES_256_GCM_SHA384, sni=app{a}",
    "certificate CN=appliance{a}.example.com serial {h} expires in {m} days",
    "failover heartbeat seq={n} peer=10.{a}.{b}.{c} latency={m}ms state=primary",
    "replication chunk {h} applied ({n} bytes, {m} records)",
    "ldap bind uid=svc{a},ou=people,dc=example,dc=com result=0 time={m}ms",
    "jump client {h} checked in from host-{a}-{b} version 24.{c}.{m}",
    "updater: package {h} verified, size {n}, signature ok",
    "rdp-proxy: frame {n} forwarded to 10.{a}.{b}.{c}:{m}",
    "cron: job backup-{a} finished in {m}s, archive id {h}",
)


def _line_pool(rng: random.Random, count: int) -> list[str]:
    pool = []
    for _ in range(count):
        msg = rng.choice(_TEMPLATES).format(
            h=rng.randbytes(8).hex(),
            n=rng.randrange(1, 10**7),
            m=rng.randrange(1, 5000),
            a=rng.randrange(256),
            b=rng.randrange(256),
            c=rng.randrange(1, 255),
        )
        pool.append(f"{rng.choice(_LEVELS):5} [{rng.choice(_COMPONENTS)}] {msg}\n")
    return pool


# A payload builder returns (bytes to insert, key start, key end) for one hidden key.
Payload = tuple[bytes, int, int]


def _plain_pem(pem: bytes, intro: str) -> Payload:
    head = intro.encode()
    return head + pem, len(head), len(head) + len(pem)


def log_payload(kind: str, ts: str) -> Payload:
    """A hidden key the way it would land in a log: as lines of text, whole."""
    if kind == "pem-pkcs8":
        return _plain_pem(pem_pkcs8(), f"{ts} DEBUG [tlsd] loaded key material:\n")
    if kind == "pem-pkcs1":
        return _plain_pem(pem_pkcs1(), f"{ts} DEBUG [updater] dumping config file ssl.key\n")
    if kind == "pem-sec1":
        return _plain_pem(pem_sec1(), f"{ts} WARN  [ha-sync] unexpected payload follows\n")
    if kind == "openssh":
        return _plain_pem(pem_openssh(), f"{ts} DEBUG [sshd] host identity:\n")
    if kind == "json-escaped":
        escaped = json.dumps(pem_sec1().decode())[1:-1].encode()  # literal \n, no quotes
        head = f'{{"ts": "{ts}", "level": "DEBUG", "event": "config.dump", "tls_key": "'
        head_b = head.encode()
        line = head_b + escaped + b'", "ok": true}\n'
        return line, len(head_b), len(head_b) + len(escaped)
    if kind == "base64-der":
        blob = base64.b64encode(der_pkcs8())
        head = f"{ts} INFO  [replication] export blob=".encode()
        return head + blob + b"\n", len(head), len(head) + len(blob)
    raise ValueError(kind)


def write_log(
    path: Path,
    size: int,
    rng: random.Random,
    hidden: list[tuple[float, str]],
    progress: Callable[[int], None] | None = None,
) -> list[tuple[str, int, int, int, int]]:
    """Stream a log of about `size` bytes, with keys at the given fractions of its length.

    Returns (kind, start, end, line_start, line_end) for each key. Memory stays bounded
    (one chunk of a few MB), so this also writes the 1 GB file.
    """
    pool = _line_pool(rng, 20_000)
    base = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    pending = sorted(hidden)
    placed = []
    written = 0
    lines = 0
    second = 0
    with path.open("wb") as out:
        while written < size:
            stamp = (base + dt.timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%S")
            second += 1
            batch = rng.choices(pool, k=400)
            chunk = "".join(f"{stamp}.{i:03d}Z {line}" for i, line in enumerate(batch)).encode()
            out.write(chunk)
            written += len(chunk)
            lines += chunk.count(b"\n")
            while pending and written >= pending[0][0] * size:
                _, kind = pending.pop(0)
                data, k0, k1 = log_payload(kind, f"{stamp}.999Z")
                first = lines + data.count(b"\n", 0, k0) + 1
                last = first + data.count(b"\n", k0, max(k0, k1 - 1))
                placed.append((kind, written + k0, written + k1, first, last))
                out.write(data)
                written += len(data)
                lines += data.count(b"\n")
            if progress is not None:
                progress(written)
    return placed


# ----------------------------------------------------------------------------- images


def _screenshot(rng: random.Random, width: int, height: int, photo: bool) -> Image.Image:
    """Something like a screenshot of an admin page: bars, panels, text, maybe a photo."""
    img = Image.new("RGB", (width, height), (242, 244, 247))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, width, 48), fill=(28, 61, 110))
    draw.rectangle((0, 48, 220, height), fill=(230, 233, 238))
    for y in range(70, height - 30, 28):
        draw.text(
            (240, y),
            f"Status > Basics  appliance{y}.example.com  {rng.random():.6f}",
            fill=(30, 30, 30),
        )
        if rng.random() < 0.3:
            draw.rectangle((width - 300, y, width - 40, y + 20), outline=(120, 140, 170))
    if photo:
        w, h = width // 3, height // 3
        noise = Image.frombytes("RGB", (w, h), rng.randbytes(w * h * 3))
        img.paste(noise, (width - w - 60, height - h - 60))
    return img


def _photo(rng: random.Random, width: int, height: int) -> Image.Image:
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    return Image.blend(base, noise, 0.35)


# ----------------------------------------------------------------------------- the corpus


def build(
    root: Path,
    size_mb: int = 300,
    seed: int = 1,
    log: Callable[[str], None] = lambda _m: None,
    log_share: float = 0.17,
    image_share: float = 0.15,
) -> Corpus:
    """Write the mixed corpus under `root` and return it with its ground truth."""
    rng = random.Random(seed)
    corpus = Corpus(root=root, seed=seed)
    target = size_mb * MB
    root.mkdir(parents=True, exist_ok=True)

    # Certificates and chains: many small files.
    log("certificates")
    factory = _CertFactory(rng)
    for i in range(max(10, size_mb // 3)):
        host = f"appliance{i:03d}.example.com"
        leaf, _key = factory.leaf(host)
        d = f"certs/{host}"
        items = {
            f"{d}/server.crt": _pem(leaf),
            f"{d}/server.cer": leaf.public_bytes(_DER),
            f"{d}/fullchain.pem": _pem(leaf, factory.inter, factory.root),
            f"{d}/issuing-ca.der": factory.inter.public_bytes(_DER),
            f"{d}/chain.p7b": pkcs7.serialize_certificates(
                [leaf, factory.inter, factory.root], _DER
            ),
        }
        for rel, data in items.items():
            corpus.add(rel, "certificate").write_bytes(data)
            corpus.done(rel)
    corpus.add("certs/root-ca.pem", "certificate").write_bytes(_pem(factory.root))
    corpus.done("certs/root-ca.pem")
    for rel, data in {
        "certs/public-key.pem": factory.root_key.public_key().public_bytes(_PEM, _SPKI),
        # Prose that names the armor without a key body: must not be flagged.
        "docs/howto-export.txt": (
            b"To export, run openssl pkcs12 -in site.pfx -nocerts and look for\n"
            b"-----BEGIN PRIVATE KEY-----\nat the top. Never send that file to support.\n"
        ),
    }.items():
        corpus.add(rel, "clean-text").write_bytes(data)
        corpus.done(rel)

    # Images: small screenshots and icons, a few large ones, some JPEG photos.
    log("images")
    budget = int(target * image_share)
    used = 0
    sizes = [(2560, 1440, True), (1920, 1080, True), (3440, 1440, True), (1920, 1080, False)]
    n = 0
    while used < budget or n < 6:
        if n < len(sizes):
            w, h, photo = sizes[n]
            img, ext = _screenshot(rng, w, h, photo), "png"
        elif n % 3 == 0:
            img, ext = _photo(rng, rng.randrange(800, 1600), rng.randrange(600, 1200)), "jpg"
        else:
            img = _screenshot(rng, rng.randrange(300, 1280), rng.randrange(200, 800), False)
            ext = "png"
        rel = f"images/shot-{n:03d}.{ext}"
        path = corpus.add(rel, "image")
        if ext == "png":
            img.save(path, "PNG")
        else:
            img.save(path, "JPEG", quality=85)
        corpus.done(rel)
        used += corpus.files[rel]
        n += 1

    # Special hiding places.
    log("special files")
    _special(corpus, rng, factory)

    # Large logs, 10-40 MB each, six kinds of keys among them. Their share of the corpus is
    # kept modest because detect-secrets reads text at ~0.1 MB/s per core (one regex pass
    # per plugin per line): a text-heavy corpus would keep it busy for half an hour.
    log("logs")
    share = max(int(target * log_share), 2 * MB)
    count = max(1, round(share / (25 * MB)))
    kinds = ["pem-pkcs8", "pem-pkcs1", "pem-sec1", "openssh", "json-escaped", "base64-der"]
    plan: list[list[tuple[float, str]]] = [[] for _ in range(count)]
    for i, kind in enumerate(kinds):
        plan[i % count].append((rng.uniform(0.1, 0.9), kind))
    for i in range(count):
        rel = f"logs/appliance-{i:02d}.log"
        log(f"  {rel} ({share // count // MB} MB)")
        for kind, s, e, l0, l1 in write_log(corpus.add(rel, "log"), share // count, rng, plan[i]):
            corpus.keys.append(HiddenKey(rel, kind, s, e, line_start=l0, line_end=l1))
        corpus.done(rel)

    # Random binaries of a few MB each, the rest of the budget; one hides a DER PKCS#8 key
    # at a random offset. Half are named .bin (which detect-secrets skips by name), half .dat.
    log("binaries")
    budget = target - corpus.total_bytes
    used = 0
    n = 0
    while used < budget or n < 2:
        size = min(rng.randrange(1 * MB, 6 * MB), max(budget - used, 64 * 1024))
        rel = f"bin/blob-{n:03d}.{'bin' if n % 2 else 'dat'}"
        data = rng.randbytes(size)
        if n == 0:
            der = der_pkcs8()
            at = rng.randrange(size // 4, size // 2)
            data = data[:at] + der + data[at:]
            corpus.keys.append(HiddenKey(rel, "der-in-binary", at, at + len(der)))
        corpus.add(rel, "binary").write_bytes(data)
        corpus.done(rel)
        used += len(data)
        n += 1
    return corpus


def _special(corpus: Corpus, rng: random.Random, factory: _CertFactory) -> None:
    # UTF-16LE text (with BOM, as Windows Notepad saves it) holding a PEM key.
    rel = "notes/renewal-notes-utf16.txt"
    before = "".join(
        f"{i:04d} renewal step: appliance{rng.randrange(99)} serial {rng.randbytes(6).hex()}\n"
        for i in range(3000)
    )
    pem = pem_pkcs8().decode()
    after = "done; copy the chain to the support bundle, nothing else.\n" * 200
    head = "\ufeff" + before + "pasted by mistake:\n"
    data = (head + pem + after).encode("utf-16-le")
    start = len(head.encode("utf-16-le"))
    corpus.add(rel, "utf16-text").write_bytes(data)
    corpus.done(rel)
    corpus.keys.append(HiddenKey(rel, "utf16le-pem", start, start + len(pem) * 2))

    # A PKCS#12 renamed .crt: a key container whatever its name.
    rel = "certs/appliance-export.crt"
    leaf, key = factory.leaf("export.example.com")
    p12 = pkcs12.serialize_key_and_certificates(
        b"export",
        key,
        leaf,
        [factory.inter, factory.root],
        serialization.BestAvailableEncryption(b"not-a-real-passphrase"),
    )
    corpus.add(rel, "pkcs12").write_bytes(p12)
    corpus.done(rel)
    corpus.keys.append(HiddenKey(rel, "pkcs12-as-crt", 0, len(p12)))

    # A zip of a backup: certificates and, in one member, the key after the certificate.
    rel = "archives/appliance-backup.zip"
    member = "backup/ssl/site.pem"
    leaf, _ = factory.leaf("backup.example.com")
    cert_pem = _pem(leaf)
    key_pem = pem_pkcs8()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("backup/README.txt", "Appliance backup, created by the admin.\n")
        zf.writestr("backup/ssl/chain.pem", _pem(factory.inter, factory.root))
        zf.writestr(member, cert_pem + key_pem)
        zf.writestr("backup/logs/tail.log", "".join(_line_pool(rng, 2000)))
    corpus.add(rel, "zip").write_bytes(buf.getvalue())
    corpus.done(rel)
    corpus.keys.append(
        HiddenKey(rel, "zip-member-pem", len(cert_pem), len(cert_pem) + len(key_pem), member)
    )


def write_big_log(
    path: Path, size: int, seed: int, progress: Callable[[int], None] | None = None
) -> list[HiddenKey]:
    """One large log (e.g. 1 GB) written in bounded chunks, with one key in its middle
    (issue 19's set; before it, two keys at 37 % and 81 %)."""
    rng = random.Random(seed)
    placed = write_log(path, size, rng, [(0.5, "pem-pkcs8")], progress)
    return [
        HiddenKey(path.name, kind, s, e, line_start=l0, line_end=l1)
        for kind, s, e, l0, l1 in placed
    ]


# ----------------------------------------------------------------------------- the 201 MB set

# Issue 19's mixed set: 800 certificate files, 250 PNGs (~65 MB), 250 random binaries,
# 108 logs, 580 small text files; 20 keys hidden 20 ways (the six log forms twice, and
# the forms a document gives a key: quoted in a reply, inside RTF, as XML members, cut short).
MIXED201_COUNTS = {"certificate": 800, "image": 250, "binary": 250, "log": 108, "text": 580}
MIXED201_IMAGE_BYTES = 65 * MB
MIXED201_LOG_BYTES = 37 * MB
MIXED201_BINARY_BYTES = 92 * MB


def _b64_number(value: int) -> str:
    return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode()


def _rtf(pem: bytes) -> tuple[bytes, bytes, bytes]:
    head = (
        b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fnil\\fcharset0 Calibri;}}\n"
        b"\\viewkind4\\uc1\\pard\\sa200\\sl276\\slmult1\\f0\\fs22 Renewal notes:\\par\n"
    )
    lines = b"".join(line.replace(b"+", b"\\'2b") + b"\\par\n" for line in pem.splitlines() if line)
    return head, lines, b"}\n"


def _text_files(corpus: Corpus, rng: random.Random, factory: _CertFactory, count: int) -> None:
    """Small text files: configuration, notes, replies; four of them hold a key, a few only
    talk about keys (which must stay clean)."""

    def put(rel: str, data: bytes, kind: str | None = None, start: int = 0, end: int = 0):
        corpus.add(rel, "clean-text" if kind is None else "key-text").write_bytes(data)
        corpus.done(rel)
        if kind is not None:
            line0 = data.count(b"\n", 0, start) + 1
            corpus.keys.append(
                HiddenKey(
                    rel,
                    kind,
                    start,
                    end,
                    line_start=line0,
                    line_end=line0 + data.count(b"\n", start, max(start, end - 1)),
                )
            )

    pem = pem_pkcs8()
    quoted = b"".join(b"> " + line for line in pem.splitlines(keepends=True))
    intro = b"On Monday the admin wrote:\n> Here is the key for the failover pair:\n"
    put(
        "text/reply-from-admin.eml",
        intro + quoted + b"\nThanks, deleted.\n",
        "quoted-email-pem",
        len(intro),
        len(intro) + len(quoted),
    )
    head, body, tail = _rtf(pem_pkcs1())
    put("text/renewal-notes.rtf", head + body + tail, "rtf-pem", len(head), len(head) + len(body))
    numbers = _rsa().private_numbers()
    parts = {
        "Modulus": numbers.public_numbers.n,
        "Exponent": numbers.public_numbers.e,
        "P": numbers.p,
        "Q": numbers.q,
        "DP": numbers.dmp1,
        "DQ": numbers.dmq1,
        "InverseQ": numbers.iqmp,
        "D": numbers.d,
    }
    xml = (
        "<RSAKeyValue>"
        + "".join(f"<{k}>{_b64_number(v)}</{k}>" for k, v in parts.items())
        + "</RSAKeyValue>"
    ).encode()
    head = b'<?xml version="1.0"?>\n<configuration>\n  <signing>\n    '
    put(
        "text/app.config",
        head + xml + b"\n  </signing>\n</configuration>\n",
        "xml-rsakeyvalue",
        len(head),
        len(head) + len(xml),
    )
    cut = b"".join(pem_pkcs8().splitlines(keepends=True)[:5])
    head = b"pasted from the old appliance (the rest did not fit):\n"
    put("text/paste.txt", head + cut, "pem-cut-short", len(head), len(head) + len(cut))
    # Look-alikes: prose naming the armor, public members, a quoted certificate, a public JWK.
    put(
        "text/howto-export.txt",
        b"To export, run openssl pkcs12 -nocerts and look for\n-----BEGIN PRIVATE KEY-----\n"
        b"at the top. Never send that file to support.\n",
    )
    public = {"Modulus": parts["Modulus"], "Exponent": parts["Exponent"]}
    put(
        "text/public-key.xml",
        (
            "<RSAKeyValue>"
            + "".join(f"<{k}>{_b64_number(v)}</{k}>" for k, v in public.items())
            + "</RSAKeyValue>\n"
        ).encode(),
    )
    leaf, _ = factory.leaf("quoted.example.com")
    put(
        "text/reply-with-certificate.eml",
        b"You sent:\n" + b"".join(b"> " + line for line in _pem(leaf).splitlines(keepends=True)),
    )
    jwk = {
        "kty": "RSA",
        "e": "AQAB",
        "n": base64.urlsafe_b64encode(parts["Modulus"].to_bytes(256, "big")).decode().rstrip("="),
    }
    put("text/jwks.json", json.dumps({"keys": [jwk]}).encode())
    made = 8
    words = (
        "appliance",
        "failover",
        "certificate",
        "renewal",
        "support",
        "bundle",
        "site",
        "chain",
        "primary",
        "backup",
        "hostname",
        "expires",
        "status",
        "basics",
    )
    while made < count:
        lines = [
            " ".join(rng.choice(words) for _ in range(rng.randrange(4, 14)))
            for _ in range(rng.randrange(10, 40))
        ]
        kind = made % 4
        if kind == 0:
            data = ("# notes\n" + "\n".join(lines) + "\n").encode()
            rel = f"text/notes-{made:03d}.md"
        elif kind == 1:
            data = (
                "\n".join(
                    f"{w.split()[0]}_{i} = {rng.randrange(10**6)}" for i, w in enumerate(lines)
                ).encode()
                + b"\n"
            )
            rel = f"text/settings-{made:03d}.ini"
        elif kind == 2:
            data = json.dumps({"site": f"site{made}.example.com", "notes": lines}).encode()
            rel = f"text/case-{made:03d}.json"
        else:
            data = ("\n".join(lines) + "\n").encode()
            rel = f"text/readme-{made:03d}.txt"
        put(rel, data)
        made += 1


def build_mixed201(
    root: Path, seed: int = 1, log: Callable[[str], None] = lambda _m: None
) -> Corpus:
    """Issue 19's ~201 MB mixed set under `root`, with its ground truth."""
    rng = random.Random(seed)
    corpus = Corpus(root=root, seed=seed)
    root.mkdir(parents=True, exist_ok=True)
    log("certificates")
    factory = _CertFactory(rng)
    made = 0
    appliance = 0
    while made < MIXED201_COUNTS["certificate"] - 2:
        host = f"appliance{appliance:03d}.example.com"
        appliance += 1
        leaf, _key = factory.leaf(host)
        d = f"certs/{host}"
        items = {
            f"{d}/server.crt": _pem(leaf),
            f"{d}/server.cer": leaf.public_bytes(_DER),
            f"{d}/fullchain.pem": _pem(leaf, factory.inter, factory.root),
            f"{d}/issuing-ca.der": factory.inter.public_bytes(_DER),
            f"{d}/chain.p7b": pkcs7.serialize_certificates(
                [leaf, factory.inter, factory.root], _DER
            ),
        }
        for rel, data in list(items.items())[: MIXED201_COUNTS["certificate"] - 2 - made]:
            corpus.add(rel, "certificate").write_bytes(data)
            corpus.done(rel)
            made += 1
    corpus.add("certs/root-ca.pem", "certificate").write_bytes(_pem(factory.root))
    corpus.done("certs/root-ca.pem")
    _special(corpus, rng, factory)  # a PKCS#12 named .crt, UTF-16 notes, a zip with a key

    log("images")
    count = MIXED201_COUNTS["image"]
    used = 0
    for n in range(count):
        target = (MIXED201_IMAGE_BYTES - used) // (count - n)
        w, h = rng.randrange(640, 1600), rng.randrange(400, 1000)
        img = _screenshot(rng, w, h, False)
        side = int(max(16, (target - 30_000) / 3) ** 0.5)  # random pixels barely compress
        side = min(side, w - 20, h - 60)
        noise = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        img.paste(noise, (w - side - 10, h - side - 10))
        rel = f"images/shot-{n:03d}.png"
        img.save(corpus.add(rel, "image"), "PNG", compress_level=6)
        corpus.done(rel)
        used += corpus.files[rel]

    log("logs")
    count = MIXED201_COUNTS["log"]
    kinds = ["pem-pkcs8", "pem-pkcs1", "pem-sec1", "openssh", "json-escaped", "base64-der"] * 2
    holders = rng.sample(range(count), len(kinds))
    for n in range(count):
        rel = f"logs/appliance-{n:03d}.log"
        hidden = [(rng.uniform(0.1, 0.9), kinds[holders.index(n)])] if n in holders else []
        size = rng.randrange(MIXED201_LOG_BYTES // count // 2, MIXED201_LOG_BYTES // count * 3 // 2)
        for kind, s, e, l0, l1 in write_log(corpus.add(rel, "log"), size, rng, hidden):
            corpus.keys.append(HiddenKey(rel, kind, s, e, line_start=l0, line_end=l1))
        corpus.done(rel)

    log("text")
    _text_files(corpus, rng, factory, MIXED201_COUNTS["text"] - 1)  # + the UTF-16 notes

    log("binaries")
    count = MIXED201_COUNTS["binary"]
    for n in range(count):
        size = rng.randrange(
            MIXED201_BINARY_BYTES // count // 2, MIXED201_BINARY_BYTES // count * 3 // 2
        )
        data = rng.randbytes(size)
        rel = f"bin/blob-{n:03d}.{'bin' if n % 2 else 'dat'}"
        if n == 0:
            der = der_pkcs8()
            at = rng.randrange(size // 4, size // 2)
            data = data[:at] + der + data[at:]
            corpus.keys.append(HiddenKey(rel, "der-in-binary", at, at + len(der)))
        corpus.add(rel, "binary").write_bytes(data)
        corpus.done(rel)
    return corpus
