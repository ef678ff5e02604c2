"""One error hierarchy for ocrops.

Every error carries an ``exit_code`` (for the CLI) and an ``http_status`` (for the
API). Only the edges (CLI, API) translate them; everything inside raises.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    ok = 0
    failure = 1  # generic failure, or a regression gate tripped
    usage = 2  # bad command line / bad parameters
    unsupported_format = 3
    corrupt_input = 4
    empty_input = 5
    encrypted_input = 6
    input_too_large = 7
    page_range = 8
    engine_unavailable = 9
    engine_failed = 10
    partial_success = 11  # a batch where some files or pages failed
    not_found = 12
    config = 13
    conflict = 14
    interrupted = 130


class OcropsError(Exception):
    """Base class. Subclasses set the exit code and HTTP status."""

    exit_code: ExitCode = ExitCode.failure
    http_status: int = 500
    title: str = "ocrops error"

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message

    def with_source(self, source: str) -> OcropsError:
        if self.source is None:
            self.source = source
        return self


class BadParameter(OcropsError):
    exit_code = ExitCode.usage
    http_status = 422
    title = "Invalid parameter"


class InputError(OcropsError):
    """Something is wrong with a document given to ocrops."""

    exit_code = ExitCode.corrupt_input
    http_status = 422
    title = "Unreadable document"


class UnsupportedFormat(InputError):
    exit_code = ExitCode.unsupported_format
    http_status = 415
    title = "Unsupported document type"


class CorruptInput(InputError):
    exit_code = ExitCode.corrupt_input
    http_status = 422
    title = "Corrupt or truncated document"


class EmptyInput(InputError):
    exit_code = ExitCode.empty_input
    http_status = 422
    title = "Empty document"


class EncryptedInput(InputError):
    exit_code = ExitCode.encrypted_input
    http_status = 422
    title = "Encrypted document"


class InputTooLarge(InputError):
    exit_code = ExitCode.input_too_large
    http_status = 413
    title = "Document too large"


class PageRangeError(InputError):
    exit_code = ExitCode.page_range
    http_status = 422
    title = "Page range out of bounds"


class EngineUnavailable(OcropsError):
    exit_code = ExitCode.engine_unavailable
    http_status = 503
    title = "Engine unavailable"


class EngineFailed(OcropsError):
    exit_code = ExitCode.engine_failed
    http_status = 500
    title = "Engine failed"


class NotFound(OcropsError):
    exit_code = ExitCode.not_found
    http_status = 404
    title = "Not found"


class ConfigError(OcropsError):
    exit_code = ExitCode.config
    http_status = 500
    title = "Configuration error"


class Conflict(OcropsError):
    exit_code = ExitCode.conflict
    http_status = 409
    title = "Conflict"


class Unauthorized(OcropsError):
    exit_code = ExitCode.usage
    http_status = 401
    title = "Unauthorized"


class Forbidden(OcropsError):
    exit_code = ExitCode.usage
    http_status = 403
    title = "Forbidden"


class RateLimited(OcropsError):
    exit_code = ExitCode.failure
    http_status = 429
    title = "Too many requests"


class ServiceUnavailable(OcropsError):
    exit_code = ExitCode.failure
    http_status = 503
    title = "Service unavailable"


class Timeout(OcropsError):
    exit_code = ExitCode.failure
    http_status = 504
    title = "Timed out"
