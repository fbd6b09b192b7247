"""The embedded stack: the Tansu broker and the three services as local processes.

`make run` and the cross-service tests use the same pieces, so what a newcomer runs is
what the tests exercise.
"""
