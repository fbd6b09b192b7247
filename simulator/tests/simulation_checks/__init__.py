"""Simulator tests; a uniquely named package so pytest never confuses it with `simulator` or `tests`."""
