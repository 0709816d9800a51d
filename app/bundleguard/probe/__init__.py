"""Live TLS checks of appliances: what each one serves, and whether they all agree.

Connects to each appliance as a client would — with the site name as SNI, with its
own hostname, and without SNI (the default certificate) — fetches the whole served
chain, judges it with `bundleguard.certs`, and compares the appliances with each other
and with an expected certificate. No Qt here; the CLI and the GUI render the reports.

- `targets`: `Target`, `parse_target("NAME[=ADDRESS[:PORT]]")` (connect here, send this SNI),
  `check_targets(targets)` (at least one, none twice: `NoTargetsError`, `RepeatedTargetError`).
- `tls`: one bounded handshake returning the served chain. It uses pyOpenSSL's supported
  `Connection.get_peer_cert_chain(as_cryptography=True)` because the stdlib `ssl` module
  of Python 3.11 exposes only the leaf publicly (the whole chain arrives with
  `get_unverified_chain()` in 3.13).
- `run`: `probe_appliances(targets, site, timeout=, expected=, progress=, cancel=)`:
  a bounded thread pool; `timeout` bounds all handshakes of one appliance together, and
  `cancel` stops them within a fraction of a second, mid-handshake too.
- `expected`: `ExpectedChain`, `load_expected(data, name, passphrase)`: the certificate
  every appliance should serve.
- `analyse`: pure judgement and comparison (a damaged served certificate is a verdict:
  `certificate_damage`); `report`: the frozen result types, each with `to_json()` (what
  `--json` prints); `render`: `render_text(report)`, untrusted text escaped.
- `fake`: fake appliances (real TLS servers on loopback) for tests, benchmarks, demos.

Failures (DNS, refused, timeout, TLS alert, plain HTTP, a stall) are results with a
plain-words message, never exceptions.
"""

from bundleguard.probe.expected import ExpectedChain, load_expected
from bundleguard.probe.report import (
    ApplianceReport,
    CertificateSummary,
    Comparison,
    NameCheck,
    ProbeReport,
)
from bundleguard.probe.run import DEFAULT_TIMEOUT, probe_appliance, probe_appliances
from bundleguard.probe.targets import (
    NoTargetsError,
    RepeatedTargetError,
    Role,
    Target,
    check_targets,
    parse_target,
)
from bundleguard.probe.tls import Failure, Handshake

__all__ = [
    "DEFAULT_TIMEOUT",
    "ApplianceReport",
    "CertificateSummary",
    "Comparison",
    "ExpectedChain",
    "Failure",
    "Handshake",
    "NameCheck",
    "NoTargetsError",
    "ProbeReport",
    "RepeatedTargetError",
    "Role",
    "Target",
    "check_targets",
    "load_expected",
    "parse_target",
    "probe_appliance",
    "probe_appliances",
]
