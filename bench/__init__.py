"""Benchmarks (`make bench`). Each prints its own timings next to a baseline measured in the
same run, and the ratio between them. Never run as timed unit tests."""
