"""The rest of AWS, read through public AWS calls: moto's ``mock_aws`` or a moto server.

The service (``_service``) asks abstract sources for what it does not hold itself
(documents, nodes); ``moto.MotoSources`` answers them with botocore clients of its own
that the stub never binds.  See ``moto``'s docstring for how moto is found.
"""

from __future__ import annotations
