"""The examples in the docstrings of the statistics and sampling modules run and hold."""

import doctest
import importlib

import pytest

MODULES = [
    "audit.privacy",
    "audit.stats.intervals",
    "audit.stats.sample_size",
    "audit.stats.taylor",
    "audit.stats.shrinkage",
    "audit.stats.exit_metrics",
    "audit.sampling.allocation",
    "audit.sampling.draw",
    "audit.sampling.prn",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
