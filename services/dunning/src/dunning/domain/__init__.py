"""Dunning's domain: cases and the gentle policy, plain Python, no I/O."""
