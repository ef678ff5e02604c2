import pytest

from ocrops.errors import BadParameter, PageRangeError
from ocrops.pipeline import ConvertOptions, parse_page_ranges


@pytest.mark.parametrize(
    ("spec", "count", "expected"),
    [
        ("1", 5, [1]),
        ("1-3,7", 9, [1, 2, 3, 7]),
        ("3-", 5, [3, 4, 5]),
        ("-2", 5, [1, 2]),
        ("2,2,1", 5, [1, 2]),
        (" 1 - 2 , 4 ", 5, [1, 2, 4]),
    ],
)
def test_page_ranges(spec, count, expected):
    assert parse_page_ranges(spec, count) == expected


@pytest.mark.parametrize("spec", ["a", "0", "3-1", "1-x", ",", "1--3"])
def test_bad_page_ranges(spec):
    with pytest.raises(BadParameter):
        parse_page_ranges(spec, 10)


def test_page_out_of_bounds_is_its_own_error():
    with pytest.raises(PageRangeError, match="out of bounds"):
        parse_page_ranges("2-4", 3)


def test_result_key_follows_what_changes_results():
    base = ConvertOptions(engine="tesseract")
    assert base.result_key() == ConvertOptions(engine="tesseract", pages="1", password="x").result_key()
    assert base.result_key() != ConvertOptions(engine="tesseract", engine_options={"psm": 6}).result_key()
    assert base.result_key() != ConvertOptions(engine="tesseract", languages="eng+deu").result_key()
    assert base.result_key() != ConvertOptions(engine="tesseract", dpi=200).result_key()


def test_languages_accept_plus_and_comma():
    assert ConvertOptions(languages="eng+deu").languages == ("eng", "deu")
    assert ConvertOptions(languages="eng,deu").languages == ("eng", "deu")
