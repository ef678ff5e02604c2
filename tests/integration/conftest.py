"""Fixtures of the service tests (defined in service_env): ctx, any_ctx (SQLite and PostgreSQL),
counting (the counting engine), s3_endpoint (postgres_url is in tests/conftest.py) (moto's S3 server)."""

from tests.integration.service_env import any_ctx, counting, ctx, s3_endpoint  # noqa: F401
