"""structlog configuration: JSON lines for services, readable lines on a terminal."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog


def configure_logging(level: str = "INFO", json: bool = False) -> None:
    """Called once at start-up by the CLI or the service; libraries only call ``get_logger``."""
    processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,  # request_id, job_id bound per request/job
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )


def stdlib_json_config(level: str, loggers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` that renders other libraries' log records (uvicorn, Celery)
    as the same JSON lines as ocrops' own; the root logger unless ``loggers`` says otherwise."""
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processor": structlog.processors.JSONRenderer(),
                "foreign_pre_chain": [
                    structlog.contextvars.merge_contextvars,
                    structlog.stdlib.add_logger_name,
                    structlog.stdlib.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso", utc=True),
                ],
            }
        },
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        },
    }
    if loggers is None:
        config["root"] = {"handlers": ["default"], "level": level.upper()}
    else:
        config["loggers"] = loggers
    return config


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
