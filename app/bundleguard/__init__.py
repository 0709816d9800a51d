"""bundleguard: certificate support bundles for BeyondTrust B Series appliances, minus the keys."""

__version__ = "0.1.0"
