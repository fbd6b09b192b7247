"""Dunning's finance API, behind FINANCE_API_KEY."""
