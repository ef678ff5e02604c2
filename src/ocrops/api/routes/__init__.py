"""One module per resource; each exposes ``router`` (paths relative to ``API_PREFIX``)."""

API_PREFIX = "/api/v1"
