"""The examples in the package's docstrings run and give what they show."""

import doctest

import pytest

import nodecore
import nodecore.cgroups
import nodecore.cpuset
import nodecore.eviction
import nodecore.groups
import nodecore.hint
import nodecore.pod
import nodecore.static_policy
import nodecore.topology_policy

MODULES = [
    nodecore,
    nodecore.cgroups,
    nodecore.cpuset,
    nodecore.eviction,
    nodecore.groups,
    nodecore.hint,
    nodecore.pod,
    nodecore.static_policy,
    nodecore.topology_policy,
]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, raise_on_error=False)
    assert result.attempted > 0 and result.failed == 0


def test_readme_python_examples(repo):
    """The Python examples of the repository README and the package README."""
    for readme in (repo / "README.md", repo / "bindings" / "python" / "README.md"):
        result = doctest.testfile(str(readme), module_relative=False, raise_on_error=False)
        assert result.attempted > 0 and result.failed == 0, readme
