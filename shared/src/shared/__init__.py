"""Code the billing, dunning and pause services share.

Only contracts, money and plumbing live here; business rules belong to the service
that owns them.
"""
