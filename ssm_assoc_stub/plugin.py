"""pytest plugin (``pytest11`` entry point ``ssm_assoc_stub``): fixture and marker.

``def test_x(ssm_assoc_stub):`` gets a started ``AssociationStub``; mark the test
``@pytest.mark.ssm_assoc_stub(**options)`` to pass it options.  The package is
imported only when the fixture runs, so loading the plugin costs next to nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ssm_assoc_stub import AssociationStub

__all__ = ["pytest_configure", "ssm_assoc_stub"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ssm_assoc_stub(**options): keyword options for the ssm_assoc_stub fixture's "
        "AssociationStub (e.g. passthrough=True, account_id='...').",
    )


@pytest.fixture
def ssm_assoc_stub(request: pytest.FixtureRequest) -> Iterator[AssociationStub]:
    """A started AssociationStub, fresh for each test; options from the marker."""
    from ssm_assoc_stub import AssociationStub

    marker = request.node.get_closest_marker("ssm_assoc_stub")
    if marker is not None and marker.args:
        raise TypeError("@pytest.mark.ssm_assoc_stub takes keyword options only")
    stub = AssociationStub(**(marker.kwargs if marker is not None else {}))
    stub._origin = "fixture"  # for the warning when a decorator starts a second stub
    with stub:
        yield stub
