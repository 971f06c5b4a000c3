"""The server mode: the same service over HTTP, in AWS's JSON 1.1 protocol.

Beside ``_binding`` (botocore's event hooks), this layer answers any client that
speaks SSM's wire protocol: the AWS CLI, Terraform, other SDKs.  It is a thin
WSGI application (``app``) over ``_service.service.Backend.handle``, served by
werkzeug's threaded WSGI server (``run``), with the test-side controls under a
reserved path (``controls``) and a small typed client for them (``client``).
"""
