"""Where page tasks run: in this process (one worker) or in a pool of spawned processes."""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from ocrops.pipeline.page import PageTask, WorkerState, run_page_task

if TYPE_CHECKING:
    from ocrops.model import Page
    from ocrops.settings import Settings

_STATE: WorkerState | None = None


PARENT_CHECK_S = 1.0


def _exit_with_parent(parent: int) -> None:
    """A page process whose parent died (SIGKILL, the OOM killer) exits too. It would wait forever
    otherwise: every pool process holds the task queue's write end, so its read never ends.
    ``parent`` comes from the parent itself: it may have died before this process got here."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


def _init_worker(settings_json: str, parent: int) -> None:
    """Pool initializer: build settings and a per-process state once."""
    global _STATE
    threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    import cv2

    cv2.setNumThreads(1)  # parallelism is across processes; don't let OpenCV's threads fight it
    from ocrops.settings import Settings

    _STATE = WorkerState(settings=Settings.model_validate_json(settings_json))
    atexit.register(_STATE.close)


# Which errors escape a page instead of making an error page (see ``run_page_task``); a
# module-level function, so that it pickles (by name) to the worker processes.
Reraise = Callable[[BaseException], bool]


def _run_in_worker(task: PageTask, reraise: Reraise | None = None) -> Page:
    assert _STATE is not None, "worker not initialised"
    return run_page_task(_STATE, task, reraise=reraise)


class InProcessExecutor(Executor):
    """Runs each task at submit time: no processes, no pickling (the one-worker path)."""

    def __init__(self, settings: Settings) -> None:
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self.state = WorkerState(settings=settings)

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        task, reraise = args[0], args[1] if len(args) > 1 else None
        try:
            future.set_result(run_page_task(self.state, task, reraise=reraise))
        except BaseException as exc:  # KeyboardInterrupt included: surface it through the future
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.state.close()


def make_executor(settings: Settings, workers: int) -> Executor:
    if workers <= 1:
        return InProcessExecutor(settings)
    context = multiprocessing.get_context("spawn")  # no fork after native libraries have threads
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(settings.model_dump_json(), os.getpid()),
    )


def submit_page(executor: Executor, task: PageTask, *, reraise: Reraise | None = None) -> Future:
    """Run ``task`` on ``executor``; the future holds its Page, or the error ``reraise`` let escape."""
    return executor.submit(_run_in_worker, task, reraise)


def _ready() -> int:
    return os.getpid()


def warm_up(executor: Executor) -> None:
    """Start a pool's processes now (their imports and state), not on the first pages; returns at once."""
    if isinstance(executor, ProcessPoolExecutor):
        for _ in range(pool_size(executor)):
            executor.submit(_ready)  # no idle process yet: each submit spawns one


def pool_size(executor: Executor, default: int = 1) -> int:
    """How many pages ``executor`` runs at once (1 in-process)."""
    if isinstance(executor, InProcessExecutor):
        return 1
    return int(getattr(executor, "_max_workers", default))


def is_broken(executor: Executor) -> bool:
    """True once a worker process died abruptly: the pool refuses new work and must be replaced."""
    return bool(getattr(executor, "_broken", False))
