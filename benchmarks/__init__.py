"""`make bench`: throughput of our messaging path and of the billing run, as ratios of
raw baselines.

These machines are shared and noisy, so absolute numbers mean little; each figure is
reported against a baseline measured in the same run on the same machine: raw Kafka
produce throughput for the outbox relay, raw single-row INSERT+COMMIT throughput for
the consumers (`messaging`), and raw batched and single-row INSERTs on the same
PostgreSQL server for the billing run (`billing_run`, written to docs/benchmarks.md).
"""
