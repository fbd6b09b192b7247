"""The finance dashboard: server-rendered pages over dunning's own report code."""
