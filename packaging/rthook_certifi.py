"""PyInstaller runtime hook: give the frozen app's `ssl` a CA bundle when it has none.

A frozen Python's OpenSSL looks for roots where its build machine kept them (on macOS a
python.org framework path that does not exist on the user's Mac): then nothing verifies.
When those default paths hold nothing and the user set no `SSL_CERT_FILE`, point it at
the certifi bundle shipped inside the app. A system store that exists is left in charge.
"""

import os
import ssl
import sys


def _default_store_exists() -> bool:
    paths = ssl.get_default_verify_paths()
    return bool(
        (paths.cafile and os.path.isfile(paths.cafile))
        or (paths.capath and os.path.isdir(paths.capath) and os.listdir(paths.capath))
    )


if "SSL_CERT_FILE" not in os.environ and not _default_store_exists():
    bundled = os.path.join(getattr(sys, "_MEIPASS", ""), "certifi", "cacert.pem")
    if os.path.isfile(bundled):
        os.environ["SSL_CERT_FILE"] = bundled
