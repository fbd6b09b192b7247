"""The model engine: pure, in-process, driving the real dunning and pause domain code."""
