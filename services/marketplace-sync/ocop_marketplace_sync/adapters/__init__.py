"""Adapters: one per seller-API dialect, all behind the `Adapter` interface of `base`."""
