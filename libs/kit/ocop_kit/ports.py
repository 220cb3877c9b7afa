"""Where `ocop up` puts each process on loopback: the base port plus its offset. The supervisor
starts them there and the test fixtures reach them there, so both read this one table."""

from __future__ import annotations

SERVICE_PORT_OFFSETS = {
    "portal": 0,
    "registry": 1,
    "evaluation": 2,
    "marketplace_sync": 3,
    "search": 4,
}
SIMULATOR_PORT_OFFSET = 5
