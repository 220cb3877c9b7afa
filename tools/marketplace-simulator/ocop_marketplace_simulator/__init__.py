"""A stand-in for the marketplaces' seller APIs, for development, tests and benchmarks.

A test double, not part of the product: it ships in no production image. `ocop up` starts it
when no channel URL is configured; `ocop simulate-marketplace` runs it alone.
"""

from ocop_marketplace_simulator.accounts import SIMULATED_CHANNELS, channel_urls
from ocop_marketplace_simulator.app import create_simulator
from ocop_marketplace_simulator.state import SimConfig, SimState

__all__ = ["SIMULATED_CHANNELS", "SimConfig", "SimState", "channel_urls", "create_simulator"]
