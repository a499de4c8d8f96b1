"""The examples in the package's docstrings run and give what they show."""

import doctest

import pytest

import nodecore
import nodecore.cpuset


@pytest.mark.parametrize("module", [nodecore, nodecore.cpuset], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, raise_on_error=False)
    assert result.attempted > 0 and result.failed == 0
