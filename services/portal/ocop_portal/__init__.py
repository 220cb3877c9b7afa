"""OCOP Hub Portal service: the web pages people use."""

SERVICE = "portal"
