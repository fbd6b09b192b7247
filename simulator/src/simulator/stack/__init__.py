"""The stack engine: the same population, driven through the running services' HTTP APIs."""
