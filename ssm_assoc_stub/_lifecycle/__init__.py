"""``AssociationStub``: the decorator, context manager and fixture backing that
starts a fresh service, binds clients through ``_binding`` and unbinds them.
"""
