"""Test helpers shared by every service's tests: databases, the broker, waiting."""
