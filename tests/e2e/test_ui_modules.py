"""The UI's JavaScript modules, run in the browser under the page's real CSP: the character
diff (checked against a Python LCS), the Markdown renderer (no markup injection) and the
options form generated from an engine's JSON Schema."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.ui_env import Server


@pytest.fixture(scope="module")
def page(server: Server, browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/")  # the sign-in page: modules load from /ui/js under the page's CSP
    page.wait_for_selector("main[data-page=signin]")
    yield page
    context.close()
    assert not errors


def lcs_length(a: str, b: str) -> int:
    row = [0] * (len(b) + 1)
    for x in a:
        previous = 0
        for j, y in enumerate(b, start=1):
            previous, row[j] = row[j], previous + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def test_the_character_diff_is_a_shortest_edit_script(page: Any) -> None:
    rng = random.Random(7)
    cases = [("", ""), ("abc", ""), ("", "abc"), ("TOTAL 9.00", "TOTAL: 9.0O"), ("same", "same")]
    cases += [("".join(rng.choice("ab c\n") for _ in range(rng.randint(0, 40))),
               "".join(rng.choice("ab c\n") for _ in range(rng.randint(0, 40)))) for _ in range(150)]
    results = page.evaluate(
        """async (cases) => {
            const { diff, diffStats } = await import("/ui/js/diff.js");
            return cases.map(([a, b]) => {
                const ops = diff(a, b);
                return {
                    a: ops.filter(([op]) => op !== "+").map(([, t]) => t).join(""),
                    b: ops.filter(([op]) => op !== "-").map(([, t]) => t).join(""),
                    same: diffStats(ops).same,
                    merged: ops.every((op, i) => i === 0 || ops[i - 1][0] !== op[0]),
                };
            });
        }""",
        cases,
    )
    for (a, b), result in zip(cases, results, strict=True):
        assert (result["a"], result["b"]) == (a, b)  # both texts come back from the script
        assert result["same"] == lcs_length(a, b)  # and it keeps as much as possible in common
        assert result["merged"]


def test_markdown_renders_structure_and_never_markup(page: Any) -> None:
    html = page.evaluate(
        """async (source) => {
            const { renderMarkdown } = await import("/ui/js/markdown.js");
            return renderMarkdown(source).outerHTML;
        }""",
        "# Title\n\n<!-- page 2 -->\nSome **bold** and `code` <img src=x onerror=alert(1)>\n\n"
        "| a | b |\n| --- | --- |\n| 1 | 2 \\| 3 |\n\n- one\n- two\n\n"
        "[ok](https://example.org) [bad](javascript:alert(1))",
    )
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert "<th scope=\"col\">a</th>" in html and "<td>2 | 3</td>" in html and "<li>two</li>" in html
    assert '<a href="https://example.org"' in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html  # shown as text
    assert 'href="javascript' not in html and "page 2" not in html


def test_the_options_form_types_what_it_reads(page: Any) -> None:
    schema = {
        "properties": {
            "lang": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": "Lang"},
            "psm": {"anyOf": [{"const": "auto", "type": "string"}, {"type": "integer"}], "default": "auto"},
            "oem": {"enum": [0, 1, 2, 3], "default": 1, "type": "integer"},
            "score": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5},
            "use_cls": {"type": "boolean", "default": False},
            "config": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    values = page.evaluate(
        """async (schema) => {
            const { schemaForm } = await import("/ui/js/schemaform.js");
            const form = schemaForm(schema);
            document.body.append(form.element);
            const untouched = form.values();
            const set = (name, value) => { form.element.querySelector(`[name=${name}]`).value = value; };
            set("psm", "6"); set("oem", "0"); set("score", "0.25");
            set("config", "tessedit_char_whitelist=0123");
            form.element.querySelector("[name=use_cls]").checked = true;
            const changed = form.values();
            set("score", "7");
            let error = null;
            try { form.values(); } catch (e) { error = e.message; }
            form.element.remove();
            return { untouched, changed, error, labels: form.element.querySelectorAll("label").length };
        }""",
        schema,
    )
    assert values["untouched"] == {}  # defaults are not sent
    assert values["changed"] == {"psm": 6, "oem": 0, "score": 0.25, "use_cls": True,
                                 "config": {"tessedit_char_whitelist": "0123"}}
    assert values["error"].startswith("score:")  # out of range, named
    assert values["labels"] == 6  # every control has a label
