"""OCOP Hub Search service.

Vietnamese product search on Meilisearch or the embedded Tantivy engine.
"""

SERVICE = "search"
