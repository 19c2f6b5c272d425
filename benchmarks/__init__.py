"""Benchmarks of the kit: ``python -m benchmarks [name ...]`` (``make bench``).

Each benchmark prints lines ``name: value unit`` and, where there is a naive way,
the ratio to it measured in the same run; all figures go to
``benchmarks/results/latest.json``.
"""
