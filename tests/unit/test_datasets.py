"""Evaluation datasets: importers on the shared datasets, manifest, validation, sampling, versions."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from ocrops.errors import BadParameter, Conflict, NotFound
from ocrops.evaluate.datasets import (
    Dataset,
    DatasetInfo,
    Sample,
    UnsafePath,
    assign_splits,
    dataset_version,
    format_report,
    import_dataset,
    lock_dataset,
    sample_dataset,
    validate_dataset,
    verify_dataset,
    verify_lock,
    write_lock,
)
from ocrops.evaluate.datasets.importers.pubtabnet import table_html
from ocrops.evaluate.datasets.importers.sroie import box_text
from ocrops.evaluate.datasets.sample import allocate, sample
from ocrops.evaluate.datasets.validate import IssueKind, validate

# --- importers on the shared datasets -------------------------------------------


@pytest.mark.datasets
@pytest.mark.parametrize(
    ("fmt", "folder", "count"),
    [
        ("sroie", "sroie", 60),
        ("pairs", "tesseract-test", 2),
        ("olmocr-bench", "olmocr-bench", 9),  # 44 tests on 9 (pdf, page) pairs
        ("omnidocbench", "omnidocbench-demo", 8),
        ("pubtabnet", "pubtabnet", 20),
    ],
)
def test_importer_reads_every_sample_and_saves_a_loadable_manifest(
    datasets_dir, tmp_path, fmt, folder, count
):
    dataset = import_dataset(fmt, datasets_dir / folder, tmp_path / "ds")
    assert len(dataset) == count
    assert len({s.id for s in dataset}) == count
    assert all(s.has_ground_truth for s in dataset)

    loaded = Dataset.load(tmp_path / "ds")
    assert loaded.samples == dataset.samples
    assert loaded.info.format == fmt
    assert not (tmp_path / "ds" / loaded.samples[0].file).exists()  # referenced in place, not copied
    assert all(loaded.resolve(s).is_file() for s in loaded)
    assert (
        loaded.resolve(loaded.samples[0]).resolve()
        == (datasets_dir / folder / dataset.samples[0].file).resolve()
    )


@pytest.mark.datasets
def test_sroie_ground_truth(datasets_dir):
    receipt = import_dataset("sroie", datasets_dir / "sroie", None).get("000")
    assert receipt.file == "img/000.jpg"
    assert receipt.fields == {
        "company": "BOOK TA .K (TAMAN DAYA) SDN BHD",
        "date": "25/12/2018",
        "address": "NO.53 55,57 & 59, JALAN SAGU 18, TAMAN DAYA, 81100 JOHOR BAHRU, JOHOR.",
        "total": "9.00",
    }
    lines = receipt.text.split("\n")
    assert lines[:3] == ["TAN WOON YANN", "BOOK TA .K(TAMAN DAYA) SDN BND", "789417-W"]
    assert "NO.53 55,57 & 59, JALAN SAGU 18," in lines  # commas inside the text kept
    assert len(lines) == 27  # 44 boxes on 27 visual rows (prices joined to their items)
    assert receipt.tags == ["receipt"]


@pytest.mark.datasets
def test_pairs_ground_truth(datasets_dir):
    dataset = import_dataset("pairs", datasets_dir / "tesseract-test", None)
    photo = dataset.get("phototest")
    assert photo.file == "phototest.tif"
    assert photo.text.startswith("This is a lot of 12 point text to test the\nocr code")
    assert not photo.text.endswith("\n")


@pytest.mark.datasets
def test_olmocr_bench_groups_tests_by_page(datasets_dir):
    dataset = import_dataset("olmocr-bench", datasets_dir / "olmocr-bench", None)
    assert sum(len(s.tests) for s in dataset) == 44
    earnings = dataset.get("earnings_p1")
    assert (earnings.file, earnings.page) == ("pdfs/earnings.pdf", 1)
    assert {
        "id": "earnings_table00",
        "type": "table",
        "cell": "1,136",
        "top_heading": "Year Ended",
    }.items() <= (earnings.tests[0].items())
    assert earnings.tags == ["test:absent", "test:table"]
    nested = [s for s in dataset if "category:headers_footers" in s.tags]
    assert len(nested) == 3 and all(s.file.startswith("pdfs/headers_footers/") for s in nested)


@pytest.mark.datasets
def test_omnidocbench_ground_truth(datasets_dir):
    source = datasets_dir / "omnidocbench-demo"
    dataset = import_dataset("omnidocbench", source, None)
    slide = dataset.get("yanbaopptmerge_SE05.pdf_7")
    assert slide.markdown == (source / "mds" / "yanbaopptmerge_SE05.pdf_7.md").read_text(encoding="utf-8")
    assert slide.text.split("\n")[:2] == [
        "- Human Factors",
        "- the process molds to the needs of the people and team, not the other way around",
    ]
    assert "language:english" in slide.tags and "layout:single_column" in slide.tags
    # page_info says 2178 x 1700 for this page; the image is 1700 x 2178
    exam = dataset.get("jiaocaineedrop_Chapter9.pdf_46")
    assert (exam.meta["width"], exam.meta["height"]) == (1700, 2178)
    assert exam.tables and exam.tables[0].lstrip().startswith("<table")
    assert sum(1 for s in dataset if s.tables) == 5


@pytest.mark.datasets
def test_pubtabnet_ground_truth(datasets_dir):
    dataset = import_dataset("pubtabnet", datasets_dir / "pubtabnet", None)
    table = dataset.get("PMC4840965_004_00")
    assert table.file == "examples/PMC4840965_004_00.png" and table.split == "train"
    assert table.tables[0].startswith(
        "<html><body><table><thead><tr><td><b>Variable</b></td><td><b>Hazard ratio</b></td>"
    )
    assert "<td> &gt;69</td>" in table.tables[0]  # single-character tokens escaped
    assert Counter(t for s in dataset for t in s.tags) == {"table:complex": 10, "table:simple": 10}


def test_pubtabnet_table_html_fills_spanning_cells():
    row1 = ["<tr>", "<td", ' colspan="2"', ">", "</td>", "</tr>"]
    row2 = ["<tr>", "<td>", "</td>", "<td>", "</td>", "</tr>"]
    annotation = {
        "structure": {"tokens": [*row1, *row2]},
        "cells": [{"tokens": ["A", "&", "B"]}, {"tokens": ["1"]}, {"tokens": []}],
    }
    expected = '<tr><td colspan="2">A&amp;B</td></tr><tr><td>1</td><td></td></tr>'
    assert table_html(annotation) == f"<html><body><table>{expected}</table></body></html>"


@pytest.mark.parametrize(
    ("row", "text"),
    [
        ("1,2,3,4,5,6,7,8,TOTAL", "TOTAL"),
        ("1,2,3,4,5,6,7,8,NO.53 55,57 & 59, JALAN", "NO.53 55,57 & 59, JALAN"),
        ("1,2,3,4,5,6,7,8,", ""),
    ],
)
def test_sroie_box_rows_split_on_the_first_eight_commas(tmp_path, row, text):
    (tmp_path / "box.csv").write_text(f"{row}\r\n\n", encoding="utf-8")
    assert box_text(tmp_path / "box.csv") == text


def test_unknown_format_and_bad_options_are_refused(tmp_path):
    with pytest.raises(BadParameter, match="unknown dataset format 'nope'"):
        import_dataset("nope", tmp_path, None)
    with pytest.raises(BadParameter, match="invalid options for importer 'pairs'"):
        import_dataset("pairs", tmp_path, None, colour="red")
    with pytest.raises(NotFound):
        import_dataset("pairs", tmp_path / "absent", None)


# --- manifest ----------------------------------------------------------------


def _write_png(path: Path, size: tuple[int, int] = (40, 20)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", size, 255).save(path)


def test_manifest_round_trip(tmp_path):
    _write_png(tmp_path / "files" / "a.png")
    samples = [
        Sample(
            id="a", file="files/a.png", text="hello\nworld", markdown="# hi", tags=["lang:en"], split="dev"
        ),
        Sample(id="b", file="files/a.png", page=1, fields={"total": "9.00"}, tables=["<table></table>"]),
        Sample(id="c", file="files/a.png", tests=[{"type": "present", "text": "x", "max_diffs": 2}]),
    ]
    Dataset(tmp_path, DatasetInfo(name="tiny", license="CC0"), samples).save()
    loaded = Dataset.load(tmp_path)
    assert loaded.samples == samples
    assert (loaded.info.name, loaded.info.license, loaded.info.base) == ("tiny", "CC0", ".")
    assert loaded.resolve(loaded.get("a")) == tmp_path.resolve() / "files" / "a.png"
    first_line = json.loads((tmp_path / "manifest.jsonl").read_text().splitlines()[0])
    assert "page" not in first_line  # None fields are left out


def test_saving_elsewhere_keeps_files_resolvable(tmp_path):
    _write_png(tmp_path / "src" / "a.png")
    dataset = Dataset(tmp_path / "src", DatasetInfo(name="x"), [Sample(id="a", file="a.png", text="")])
    dataset.save(tmp_path / "elsewhere" / "ds")
    loaded = Dataset.load(tmp_path / "elsewhere" / "ds")
    assert loaded.info.base == "../../src"
    assert loaded.resolve("a.png").is_file()
    with pytest.raises(Conflict):
        dataset.save(tmp_path / "elsewhere" / "ds", overwrite=False)


@pytest.mark.parametrize(
    "file", ["../outside.png", "/etc/passwd", "a/../../outside.png", "C:/x.png", "..\\x.png"]
)
def test_paths_leaving_the_dataset_are_refused(tmp_path, file):
    dataset = Dataset(tmp_path / "ds", DatasetInfo(), [])
    with pytest.raises(UnsafePath):
        dataset.resolve(file)


def test_symlinks_out_are_refused_and_inside_are_allowed(tmp_path):
    _write_png(tmp_path / "outside.png")
    _write_png(tmp_path / "ds" / "real.png")
    os.symlink(tmp_path / "outside.png", tmp_path / "ds" / "out.png")
    os.symlink(tmp_path / "ds" / "real.png", tmp_path / "ds" / "in.png")
    dataset = Dataset(tmp_path / "ds", DatasetInfo(), [])
    with pytest.raises(BadParameter, match="leads out"):
        dataset.resolve("out.png")
    assert dataset.resolve("in.png").is_file()


def test_invalid_manifest_line_names_the_line(tmp_path):
    (tmp_path / "manifest.jsonl").write_text('{"id": "a", "file": "a.png"}\n{"id": "b"}\n')
    with pytest.raises(Exception, match="line 2: file"):
        Dataset.load(tmp_path)
    with pytest.raises(NotFound):
        Dataset.load(tmp_path / "nothing")


# --- validation ----------------------------------------------------------------


def test_validate_finds_every_kind_of_problem(tmp_path):
    _write_png(tmp_path / "good.png", (40, 20))
    (tmp_path / "junk.png").write_bytes(b"\x00\x00\x00\x00 neither an image nor any document")
    samples = [
        Sample(id="good", file="good.png", text="ok"),
        Sample(id="no-gt", file="good.png"),
        Sample(id="missing", file="missing.png", text="x"),
        Sample(id="junk", file="junk.png", text="x"),
        Sample(id="far", file="good.png", page=3, text="x"),
        Sample(id="dup", file="good.png", text="x"),
        Sample(id="dup", file="good.png", text="y"),
        Sample(id="escape", file="../x.png", text="x"),
    ]
    report = validate(Dataset(tmp_path, DatasetInfo(name="t"), samples))
    assert report.counts == {
        "no_ground_truth": 1,
        "missing_file": 1,
        "unreadable": 1,
        "page_out_of_range": 1,
        "duplicate_id": 1,
        "unsafe_path": 1,
    }
    assert [i.sample_id for i in report.issues_of(IssueKind.missing_file)] == ["missing"]
    assert [i.sample_id for i in report.issues_of("no_ground_truth")] == ["no-gt"]
    assert (report.errors, report.warnings, report.ok) == (5, 1, False)
    good = next(f for f in report.file_reports if f.file == "good.png")
    assert (good.media_type, good.page_count, good.width, good.height, good.unit) == (
        "image/png",
        1,
        40,
        20,
        "px",
    )
    assert json.loads(report.model_dump_json())["ok"] is False
    text = format_report(report)
    assert "FAILED: 5 error(s), 1 warning(s)" in text and "missing.png does not exist" in text


@pytest.mark.datasets
def test_validate_a_clean_imported_dataset(datasets_dir, tmp_path):
    import_dataset("olmocr-bench", datasets_dir / "olmocr-bench", tmp_path / "ds")
    report = validate_dataset(tmp_path / "ds")
    assert report.ok and report.warnings == 0
    assert report.media_types == {"application/pdf": 9}
    assert all(f.page_count == 1 and f.unit == "pt" for f in report.file_reports)


# --- sampling ----------------------------------------------------------------


def _synthetic(tmp_path: Path, tags: list[list[str]]) -> Dataset:
    samples = [Sample(id=f"s{i:03d}", file="a.png", text="", tags=t) for i, t in enumerate(tags)]
    return Dataset(tmp_path, DatasetInfo(name="syn"), samples)


def test_sample_is_reproducible_and_independent_of_manifest_order(tmp_path):
    dataset = _synthetic(tmp_path, [[] for _ in range(50)])
    ids = [s.id for s in sample(dataset, 10, seed=7)]
    assert len(ids) == 10 and ids == sorted(ids)  # manifest order kept
    assert [s.id for s in sample(dataset, 10, seed=7)] == ids
    reversed_dataset = dataset.with_samples(reversed(dataset.samples))
    assert sorted(s.id for s in sample(reversed_dataset, 10, seed=7)) == ids
    assert [s.id for s in sample(dataset, 10, seed=8)] != ids
    assert len(sample(dataset, 500)) == 50


@pytest.mark.parametrize(
    ("sizes", "n", "expected"),
    [
        ({"a": 6, "b": 3, "": 1}, 5, {"a": 3, "b": 2, "": 0}),
        ({"a": 4, "b": 4}, 4, {"a": 2, "b": 2}),
        ({"a": 1, "b": 1, "c": 1}, 2, {"a": 1, "b": 1, "c": 0}),
        ({"a": 2, "b": 1}, 10, {"a": 2, "b": 1}),
        ({"a": 5}, 0, {"a": 0}),
    ],
)
def test_proportional_allocation(sizes, n, expected):
    assert allocate(sizes, n) == expected


def test_stratified_sample_by_tag_prefix_and_exact_tag(tmp_path):
    tags = [["lang:en"]] * 30 + [["lang:zh"]] * 15 + [["lang:fr", "receipt"]] * 5
    dataset = _synthetic(tmp_path, tags)
    chosen = sample(dataset, 10, stratify="lang", seed=1)
    assert Counter(s.tags[0] for s in chosen) == {"lang:en": 6, "lang:zh": 3, "lang:fr": 1}
    assert [s.id for s in sample(dataset, 10, stratify="lang:", seed=1)] == [s.id for s in chosen]
    by_tag = sample(dataset, 20, stratify="receipt", seed=1)
    assert sum("receipt" in s.tags for s in by_tag) == 2


@pytest.mark.datasets
def test_sample_dataset_saves_a_stratified_subset(datasets_dir, tmp_path):
    import_dataset("omnidocbench", datasets_dir / "omnidocbench-demo", tmp_path / "all")
    subset = sample_dataset(tmp_path / "all", 4, stratify="language", seed=3, dest=tmp_path / "four")
    assert Counter(t for s in subset for t in s.tags if t.startswith("language:")) == {
        "language:english": 2,
        "language:simplified_chinese": 2,
    }
    again = Dataset.load(tmp_path / "four")
    assert [s.id for s in again] == [s.id for s in subset]
    assert all(again.resolve(s).is_file() for s in again)


def test_assign_splits_is_deterministic_by_id(tmp_path):
    dataset = _synthetic(tmp_path, [[] for _ in range(1000)])
    split = assign_splits(dataset, {"train": 0.8, "test": 0.2}, seed=0)
    counts = Counter(s.split for s in split)
    assert 760 <= counts["train"] <= 840 and counts["train"] + counts["test"] == 1000
    smaller = assign_splits(dataset.with_samples(dataset.samples[:100]), {"train": 0.8, "test": 0.2}, seed=0)
    assert [s.split for s in smaller] == [s.split for s in split.samples[:100]]
    assert [s.split for s in dataset] == ["test"] * 1000  # the original is untouched
    with pytest.raises(BadParameter):
        assign_splits(dataset, {"train": 0.8, "test": 0.3})


# --- versions ----------------------------------------------------------------


@pytest.fixture
def small_copy(datasets_dir, tmp_path) -> Path:
    """The two Tesseract test pages (about 100 KB each) and their text, copied to tmp."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in ("phototest.tif", "phototest.txt", "eurotext.tif", "eurotext.txt"):
        shutil.copyfile(datasets_dir / "tesseract-test" / name, folder / name)
    return folder


@pytest.mark.datasets
def test_version_is_stable_and_follows_file_content(small_copy, tmp_path):
    dataset = import_dataset("pairs", small_copy, tmp_path / "ds")
    version = dataset_version(dataset)
    assert len(version) == 64
    assert dataset_version(Dataset.load(tmp_path / "ds")) == version

    moved = tmp_path / "moved"
    shutil.copytree(small_copy, moved)
    assert dataset_version(import_dataset("pairs", moved, None, name="another name")) == version

    data = bytearray((small_copy / "eurotext.tif").read_bytes())
    data[-1] ^= 0xFF
    (small_copy / "eurotext.tif").write_bytes(bytes(data))
    assert dataset_version(dataset) != version


@pytest.mark.datasets
def test_lock_verify_reports_changed_missing_and_manifest_edits(small_copy, tmp_path):
    root = tmp_path / "ds"
    import_dataset("pairs", small_copy, root)
    version = lock_dataset(root)
    lock = json.loads((root / "dataset.lock.json").read_text())
    assert lock["version"] == version
    assert lock["files"]["phototest.tif"]["size"] == (small_copy / "phototest.tif").stat().st_size
    assert verify_dataset(root).ok

    with (small_copy / "phototest.tif").open("ab") as fh:
        fh.write(b"\0")
    check = verify_dataset(root)
    assert (check.ok, check.changed, check.missing, check.manifest_changed) == (
        False,
        ["phototest.tif"],
        [],
        False,
    )
    assert check.current_version not in (None, version)

    dataset = Dataset.load(root)
    write_lock(dataset)
    dataset.samples[0] = dataset.samples[0].model_copy(update={"text": "edited"})
    assert verify_lock(dataset).manifest_changed
    (small_copy / "eurotext.tif").unlink()
    check = verify_dataset(root)
    assert (check.missing, check.current_version, check.ok) == (["eurotext.tif"], None, False)


@pytest.mark.datasets
def test_import_refuses_to_overwrite_and_can_copy(small_copy, tmp_path):
    import_dataset("pairs", small_copy, tmp_path / "ds")
    with pytest.raises(Conflict):
        import_dataset("pairs", small_copy, tmp_path / "ds")
    copied = import_dataset("pairs", small_copy, tmp_path / "copy", copy=True)
    assert copied.info.base == "." and (tmp_path / "copy" / "phototest.tif").is_file()
    assert dataset_version(copied) == dataset_version(Dataset.load(tmp_path / "ds"))


def test_sroie_reading_order_joins_boxes_on_one_row(tmp_path):
    rows = [
        "10,100,90,100,90,120,10,120,TOTAL",  # item on the left
        "10,10,200,10,200,30,10,30,SHOP NAME",
        "300,102,360,102,360,121,300,121,9.00",  # its price, listed last, slightly lower
    ]
    (tmp_path / "box.csv").write_text("\n".join(rows), encoding="utf-8")
    assert box_text(tmp_path / "box.csv") == "SHOP NAME\nTOTAL 9.00"
    assert box_text(tmp_path / "box.csv", "file") == "TOTAL\nSHOP NAME\n9.00"
