"""The pure service: records, state, operations, the execution engine, schedules,
documents, the fleet and the service errors.

Nothing in this package imports botocore, boto3 or aiobotocore (the layer
contract in ``pyproject.toml`` says so and the suite checks it): requests come
in as JSON-shaped dicts with PascalCase keys, responses go out the same way.
"""
