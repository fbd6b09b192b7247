"""Billing's HTTP API. Thin: validate, call one use case, shape the answer."""
