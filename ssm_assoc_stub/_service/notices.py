"""The stub's own warnings about what a test probably did not mean (pure core).

Nothing here is an error: AWS accepts what triggers them (an association whose targets
match no node runs, reports ``Success`` and an empty count), and code may rely on that.
They are ``AssociationStubWarning`` subclasses so a suite can turn them into errors,
expect them or filter them: ``-W error::ssm_assoc_stub.NoTargetsWarning``,
``@pytest.mark.filterwarnings("ignore::ssm_assoc_stub.NoTargetsWarning")``,
``pytest.warns(ssm_assoc_stub.NoTargetsWarning)``.
"""

from __future__ import annotations

from .misuse import AssociationStubWarning

__all__ = ["NoTargetsWarning"]


class NoTargetsWarning(AssociationStubWarning):
    """An execution resolved no targets, or a tag target names a tag no node has."""


NoTargetsWarning.__module__ = "ssm_assoc_stub"
