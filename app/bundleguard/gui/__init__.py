"""The PySide6 window of bundleguard: widgets, item models and workers; no domain logic."""
