"""Speed of ocrops' metrics against the implementations they reproduce.

1. CER and WER over 10,000 pairs of 2,000-character texts (seeded, word-like text with
   about 5% character edits): ocrops vs jiwer 4, pooled, in the same process.
2. TEDS on the PubTabNet sample (20 tables): ocrops vs PubTabNet's reference
   implementation (``_pubtabnet_reference_teds.py``), with the largest score difference.

Run:  nice .venv/bin/python benchmarks/bench_metrics.py  [--pairs N] [--chars N] [--repeat N]
Needs jiwer, distance and ../shared/datasets (or OCROPS_DATASETS_DIR) for part 2.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATASETS = Path(os.environ.get("OCROPS_DATASETS_DIR", HERE.parent.parent / "shared" / "datasets"))
COMMAND = "nice .venv/bin/python benchmarks/bench_metrics.py"


def make_vocabulary(rng: random.Random, size: int = 3000) -> tuple[list[str], list[float]]:
    """Random words with Zipf-like frequencies, as (words, cumulative weights)."""
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(1, 10))) for _ in range(size)]
    return words, list(itertools.accumulate(1 / (rank + 1) for rank in range(size)))


def make_text(rng: random.Random, vocabulary: tuple[list[str], list[float]], length: int) -> str:
    words, cumulative = vocabulary
    parts: list[str] = []
    size = 0
    for word in rng.choices(words, cum_weights=cumulative, k=length // 2):  # more than enough words
        if size >= length:
            break
        if rng.random() < 0.08:
            word = word.capitalize()
        if rng.random() < 0.1:
            word += rng.choice(".,;:")
        separator = "\n" if rng.random() < 0.07 else " "
        parts.append(word + separator)
        size += len(word) + 1
    return "".join(parts)[:length].strip()


def corrupt(rng: random.Random, text: str, rate: float = 0.05) -> str:
    chars = list(text)
    for _ in range(round(len(chars) * rate)):
        position = rng.randrange(len(chars))
        operation = rng.random()
        if operation < 0.5:
            chars[position] = rng.choice(string.ascii_letters + " ")
        elif operation < 0.75:
            del chars[position]
        else:
            chars.insert(position, rng.choice(string.ascii_letters))
    return "".join(chars)


def timed(function: Callable[[], float], repeat: int) -> tuple[float, float]:
    """(best seconds over ``repeat`` runs, the value returned)."""
    best, value = float("inf"), 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def bench_text(pairs: int, chars: int, repeat: int) -> list[tuple[str, float, float, float]]:
    import jiwer

    from ocrops.evaluate.metrics.text import cer, wer

    rng = random.Random(20240601)
    vocabulary = make_vocabulary(rng)
    references = [make_text(rng, vocabulary, chars) for _ in range(pairs)]
    hypotheses = [corrupt(rng, reference) for reference in references]
    rows = []
    for name, ours, theirs in [("CER", cer, jiwer.cer), ("WER", wer, jiwer.wer)]:
        ours_seconds, ours_value = timed(lambda f=ours: f(references, hypotheses), repeat)
        jiwer_seconds, jiwer_value = timed(lambda f=theirs: f(references, hypotheses), repeat)
        rows.append((name, jiwer_seconds, ours_seconds, abs(ours_value - jiwer_value)))
        print(f"  {name}: ocrops {ours_value:.6f}, jiwer {jiwer_value:.6f}", file=sys.stderr)
    return rows


def bench_teds(repeat: int) -> tuple[str, float, float, float] | None:
    folder = DATASETS / "pubtabnet"
    if not folder.is_dir():
        print(f"  skipping TEDS: {folder} is absent", file=sys.stderr)
        return None
    sys.path.insert(0, str(HERE))
    from _pubtabnet_reference_teds import TEDS as ReferenceTEDS

    from ocrops.evaluate.metrics.teds import teds

    ground_truth = json.loads((folder / "sample_gt.json").read_text(encoding="utf-8"))
    predictions = json.loads((folder / "sample_pred.json").read_text(encoding="utf-8"))
    names = sorted(ground_truth)
    scores: dict[str, list[float]] = {}

    def run_reference() -> float:
        scores["reference"] = [
            ReferenceTEDS().evaluate(predictions[n], ground_truth[n]["html"]) for n in names
        ]
        return 0.0

    def run_ours() -> float:
        scores["ocrops"] = [teds(ground_truth[n]["html"], predictions[n]) for n in names]
        return 0.0

    reference_seconds, _ = timed(run_reference, repeat)
    ours_seconds, _ = timed(run_ours, repeat)
    difference = max(abs(a - b) for a, b in zip(scores["ocrops"], scores["reference"], strict=True))
    return (f"TEDS ({len(names)} PubTabNet tables)", reference_seconds, ours_seconds, difference)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--chars", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the best is kept")
    args = parser.parse_args()

    rows = bench_text(args.pairs, args.chars, args.repeat)
    teds_row = bench_teds(args.repeat)
    baselines = {"CER": "jiwer 4", "WER": "jiwer 4"}
    print(f"Command: `{COMMAND}` (pairs={args.pairs}, chars={args.chars}, repeat={args.repeat})")
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs\n")
    print("| metric | baseline | baseline s | ocrops s | speed-up | max abs difference |")
    print("|---|---|---:|---:|---:|---:|")
    for name, baseline_seconds, ours_seconds, difference in [*rows, *([teds_row] if teds_row else [])]:
        baseline = baselines.get(name, "PubTabNet reference")
        speedup = f"{baseline_seconds / ours_seconds:.1f}x"
        cells = [
            name,
            baseline,
            f"{baseline_seconds:.2f}",
            f"{ours_seconds:.2f}",
            speedup,
            f"{difference:.2e}",
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
