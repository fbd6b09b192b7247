"""Pause: "on the beach", a pause at a negligible fee instead of a cancellation."""
