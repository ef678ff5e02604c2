"""Fixtures of the browser tests (defined in ui_env): server (``ocrops serve``), browser, artifacts."""

from tests.e2e.ui_env import artifacts, browser, server  # noqa: F401
