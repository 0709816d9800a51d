"""What an appliance is to its site: the words the bundle, the probe and the case share."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """The appliance a certificate is exported from, its failover partner, or an Atlas
    traffic node."""

    PRIMARY = "primary"
    BACKUP = "backup"
    NODE = "node"


ROLES = tuple(role.value for role in Role)
