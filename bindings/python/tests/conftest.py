import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture
def repo() -> pathlib.Path:
    """The repository root (for tests/vectors and include/nodecore.h)."""
    return REPO
