"""Kafka through FastStream: the broker, the outbox publisher, consumers with a DLQ."""
