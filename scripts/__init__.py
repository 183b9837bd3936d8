"""Tooling around the three services: credential bootstrap, local stack, demo, benchmarks."""
