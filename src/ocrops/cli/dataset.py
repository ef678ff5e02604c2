"""``ocrops dataset``: import public datasets, validate, take reproducible samples, lock versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ocrops.cli.options import parse_key_values
from ocrops.errors import ExitCode

dataset_app = typer.Typer(help="Evaluation datasets: import, validate, sample, lock.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(dataset_app, name="dataset")


@dataset_app.command("import")
def import_(
    fmt: Annotated[
        str, typer.Argument(metavar="FORMAT", help="pairs, sroie, omnidocbench, olmocr-bench, pubtabnet.")
    ],
    source: Annotated[Path, typer.Argument(help="The folder in that format.")],
    dest: Annotated[Path, typer.Argument(help="Where to write the dataset (manifest.jsonl, dataset.json).")],
    copy: Annotated[
        bool, typer.Option("--copy", help="Copy the files in (default: reference them in place).")
    ] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing manifest.")] = False,
    name: Annotated[
        str | None, typer.Option("--name", help="Dataset name (default: the source folder's).")
    ] = None,
    option: Annotated[
        list[str] | None, typer.Option("-O", "--option", help="Importer option KEY=VALUE.")
    ] = None,
) -> None:
    """Import a folder in a public dataset format."""
    from ocrops.evaluate.datasets import import_dataset

    opts = parse_key_values(option)
    if name:
        opts["name"] = name
    dataset = import_dataset(fmt, source, dest, copy=copy, overwrite=overwrite, **opts)
    Console(stderr=True).print(
        f"imported {len(dataset)} samples ({len(dataset.files())} files) "
        f"as dataset {dataset.info.name!r} into {dest}"
    )


@dataset_app.command("validate")
def validate(
    path: Annotated[Path, typer.Argument(help="Dataset folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> int:
    """Check files, pages, ground truth and ids; exit code 1 when there are errors."""
    from ocrops.evaluate.datasets import print_report, validate_dataset

    report = validate_dataset(path)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        print_report(report, Console())
    return int(ExitCode.ok if report.ok else ExitCode.failure)


@dataset_app.command("sample")
def sample(
    path: Annotated[Path, typer.Argument(help="Dataset folder.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder for the subset's manifest.")],
    n: Annotated[int, typer.Option("--n", "-n", help="Number of samples.")] = 20,
    stratify: Annotated[str | None, typer.Option("--stratify", help="Tag (prefix) to stratify on.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    split: Annotated[str | None, typer.Option("--split", help="Only samples of this split.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing manifest.")] = False,
) -> None:
    """Write a reproducible subset (same seed, same samples) of a dataset."""
    from ocrops.evaluate.datasets import sample_dataset

    subset = sample_dataset(
        path, n, stratify=stratify, seed=seed, dest=output, split=split, overwrite=overwrite
    )
    Console(stderr=True).print(f"wrote {len(subset)} samples to {output}")


@dataset_app.command("lock")
def lock(
    path: Annotated[Path, typer.Argument(help="Dataset folder.")],
    check: Annotated[
        bool, typer.Option("--check", help="Verify the existing lock instead; exit 1 if changed.")
    ] = False,
) -> int:
    """Write dataset.lock.json (content hashes) and print the dataset version."""
    from ocrops.evaluate.datasets import lock_dataset, verify_dataset

    if not check:
        typer.echo(lock_dataset(path))
        return 0
    result = verify_dataset(path)
    typer.echo(json.dumps(result.model_dump(mode="json"), indent=2))
    return int(ExitCode.ok if result.ok else ExitCode.failure)


@dataset_app.command("formats")
def formats() -> None:
    """List the dataset formats that can be imported."""
    from ocrops.evaluate.datasets import IMPORTERS

    for name in IMPORTERS:
        importer = IMPORTERS.get(name)
        typer.echo(f"{name:14} {importer.description}")
