"""OCOP Hub Registry service.

Producers, products, certificates, administrative units, imports and statistics.
"""

SERVICE = "registry"
