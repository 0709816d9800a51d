"""The one exception family of bundleguard; every message is fit to show a user."""


class BundleGuardError(Exception):
    """Bad input or a failed operation, with a message a user can act on."""


class InputError(BundleGuardError):
    """The bytes or file given cannot be used as asked (corrupt, wrong kind, unreadable)."""


class PassphraseError(BundleGuardError):
    """A passphrase was missing or wrong. The message never contains the passphrase."""
