"""Fixtures of the service tests (defined in service_env): ctx, any_ctx (SQLite and PostgreSQL),
counting (the counting engine), postgres_url, s3_endpoint (moto's S3 server)."""

from tests.integration.service_env import any_ctx, counting, ctx, postgres_url, s3_endpoint  # noqa: F401
