"""`make bench`: throughput of our messaging path as ratios of raw baselines.

These machines are shared and noisy, so absolute numbers mean little; each figure is
reported against a baseline measured in the same run on the same machine: raw Kafka
produce throughput for the outbox relay, raw single-row INSERT+COMMIT throughput for
the consumers.
"""
