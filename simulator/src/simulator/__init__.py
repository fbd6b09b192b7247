"""A synthetic subscriber base run through the real dunning and pause policies."""
