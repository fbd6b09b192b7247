"""Pause's domain: beach pauses and their policy, plain Python, no I/O."""
