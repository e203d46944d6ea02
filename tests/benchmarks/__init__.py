"""Benchmarks on a large generated database: ``python -m tests.benchmarks [--quick]``."""
