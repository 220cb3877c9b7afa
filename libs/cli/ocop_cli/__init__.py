"""The `ocop` command: starts the whole system, prints tokens, runs the marketplace simulator."""
