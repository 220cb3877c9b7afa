"""Listings: the desired state per product × channel, and the runs that converge channels to it."""
