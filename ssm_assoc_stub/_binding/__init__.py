"""The binding to botocore and aiobotocore: event hooks on SSM clients, request
capture, server-side validation against the client's request, and responses
built as botocore's parser would yield them.  The only layer that imports
botocore.
"""
