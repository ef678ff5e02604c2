"""How to call RapidOCR (PP-OCR on onnxruntime): one instance per process, models from the wheel only.

RapidOCR downloads a model when it is given no ``model_path``; here every model is passed
explicitly from the ``rapidocr`` package's own ``models`` folder and checked to exist first, so
a missing file is a clear ``EngineUnavailable``, never a download or a hang. onnxruntime runs
one thread per process: the pipeline parallelises over pages with processes.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocrops.errors import EngineUnavailable

# The PP-OCR models shipped inside the rapidocr 3.x wheel, by RapidOCR config section.
MODEL_FILES: dict[str, str] = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}


@dataclass(frozen=True)
class RuntimeConfig:
    """What an instance is built with (the per-call options are passed at each call)."""

    det_limit_side_len: int = 736
    max_side_len: int = 2000


_instances: dict[RuntimeConfig, tuple[Any, threading.Lock]] = {}
_cache_lock = threading.Lock()


def models_dir() -> Path | None:
    """The ``models`` folder inside the installed rapidocr package (found without importing it)."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "models"


def model_paths(folder: Path | None = None) -> dict[str, Path]:
    """The model file of each stage (Det, Rec, Cls) in ``folder`` (default: the package's)."""
    folder = folder or models_dir()
    if folder is None:
        raise EngineUnavailable("rapidocr is not installed")
    return {stage: folder / filename for stage, filename in MODEL_FILES.items()}


def check_models(paths: dict[str, Path], stages: tuple[str, ...] = ("Det", "Rec", "Cls")) -> None:
    """Raise EngineUnavailable naming every missing model file among ``stages``."""
    missing = [str(paths[stage]) for stage in stages if not paths[stage].is_file()]
    if missing:
        raise EngineUnavailable(
            f"RapidOCR model file(s) missing (they ship in the rapidocr wheel): {', '.join(missing)}"
        )


def rapidocr_version() -> str:
    from importlib.metadata import version

    return version("rapidocr")


def _create(config: RuntimeConfig, paths: dict[str, Path]) -> Any:
    check_models(paths)
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    from rapidocr import RapidOCR

    return RapidOCR(
        params={
            "Global.log_level": "warning",
            "Global.use_cls": False,
            "Global.max_side_len": config.max_side_len,
            "Det.model_path": str(paths["Det"]),
            "Det.limit_side_len": config.det_limit_side_len,
            "Rec.model_path": str(paths["Rec"]),
            "Cls.model_path": str(paths["Cls"]),
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )


@contextmanager
def rapidocr_instance(config: RuntimeConfig) -> Iterator[Any]:
    """The process's cached RapidOCR for ``config``, held exclusively while the block runs."""
    with _cache_lock:
        if config not in _instances:
            _instances[config] = (_create(config, model_paths()), threading.Lock())
        instance, lock = _instances[config]
    with lock:
        yield instance


def run(instance: Any, image: Any, *, use_cls: bool, text_score: float) -> Any:
    """Detect and recognise text lines, with word boxes; returns RapidOCR's output object."""
    try:
        return instance(image, use_cls=use_cls, text_score=text_score, return_word_box=True)
    except IndexError:
        # rapidocr 3.x can misalign word results with lines when a line has no word box;
        # the lines themselves are still good, so read them without word boxes.
        return instance(image, use_cls=use_cls, text_score=text_score, return_word_box=False)
