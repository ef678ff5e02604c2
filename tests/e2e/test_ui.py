"""The web UI in a real browser (Debian's Chromium through Playwright) against ``ocrops serve``.

One story, in order: sign in, upload a SROIE receipt, watch its job finish, read the document
(text matching the ground truth, box overlay toggled), compare two engines (and the ground
truth), correct a line in the review queue and find it in the dataset through the API, then
benchmark a dataset with the CLI and open its report. Every page is saved as a screenshot at
laptop and phone width under ``test-artifacts/ui/``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.ui_env import LAPTOP, PHONE, Server

pytestmark = [pytest.mark.datasets, pytest.mark.slow]

JOB_TIMEOUT_MS = 90_000


@dataclass
class Ui:
    server: Server
    laptop: Any
    phone: Any
    artifacts: Path
    errors: list[str] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)

    def go(self, route: str, ready: str) -> None:
        self.laptop.goto(f"{self.server.url}/#{route}")
        self.laptop.wait_for_selector(ready)

    def shot(self, name: str, ready: str) -> None:
        """Screenshots of the current route at laptop width and at phone width."""
        self.laptop.evaluate("() => window.scrollTo(0, 0)")
        self.laptop.screenshot(path=self.artifacts / f"{name}-laptop.png", full_page=True)
        self.phone.goto("about:blank")  # a fresh page load: the phone's session may be newer than its page
        self.phone.goto(self.laptop.url)
        self.phone.wait_for_selector(ready)
        self.phone.wait_for_load_state("networkidle")
        self.phone.screenshot(path=self.artifacts / f"{name}-phone.png", full_page=True)
        sideways = self.phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert sideways <= 1, f"the {name} page scrolls sideways by {sideways} px at phone width"


@pytest.fixture(scope="module")
def ui(server: Server, browser: Any, artifacts: Path) -> Iterator[Ui]:
    laptop_context = browser.new_context(viewport=LAPTOP)
    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    ui = Ui(server, laptop_context.new_page(), phone_context.new_page(), artifacts)
    for page in (ui.laptop, ui.phone):
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda error: ui.errors.append(str(error)))
    yield ui
    laptop_context.close()
    phone_context.close()


@pytest.fixture(autouse=True)
def no_script_errors(ui: Ui) -> Iterator[None]:
    yield
    assert not ui.errors, f"JavaScript errors: {ui.errors}"


def wait_until(condition: Any, timeout: float = 20.0) -> None:
    """Poll from Python: the page's CSP (no eval) rules out Playwright's wait_for_function."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def image_loaded(page: Any) -> bool:
    return page.locator(".page-stage img").evaluate("img => img.complete && img.naturalWidth > 0")


def sign_in_phone(ui: Ui) -> None:
    """The phone context gets the laptop's session cookie (same browser user, another window)."""
    ui.phone.context.add_cookies(ui.laptop.context.cookies())


def test_sign_in(ui: Ui) -> None:
    page = ui.laptop
    page.goto(ui.server.url + "/")
    page.wait_for_selector("h1:text('Sign in')")
    ui.shot("signin", "h1:text('Sign in')")

    page.fill("input[name=api_key]", "ocr_000000000000_not-a-real-key")
    page.click("button:text('Sign in')")
    alert = page.locator("[role=alert]")
    alert.wait_for()
    assert "Unauthorized" in alert.inner_text() and "{" not in alert.inner_text()  # readable, not raw JSON

    page.fill("input[name=api_key]", ui.server.admin_key)
    page.keyboard.press("Enter")  # the form works from the keyboard
    page.wait_for_selector("h1:text('Jobs')")
    cookie = next(c for c in page.context.cookies() if c["name"] == "ocrops_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert ui.server.admin_key not in cookie["value"]  # a signed session, not the key
    assert "default · admin" in page.inner_text("#who")
    sign_in_phone(ui)

    phone = ui.phone  # at phone width the navigation folds into a menu button
    phone.goto("about:blank")
    phone.goto(ui.server.url + "/#/jobs")
    phone.wait_for_selector("main[data-page=jobs]")
    assert not phone.is_visible("#nav a:text('Upload')")
    phone.click("button:text('Menu')")
    assert phone.is_visible("#nav a:text('Upload')")
    assert phone.get_attribute(".menu-toggle", "aria-expanded") == "true"
    phone.screenshot(path=ui.artifacts / "menu-phone.png")
    phone.keyboard.press("Escape")
    assert not phone.is_visible("#nav a:text('Upload')")


def test_upload_and_watch_the_job(ui: Ui, datasets_dir: Path) -> None:
    page = ui.laptop
    ui.go("/upload", "main[data-page=upload] h1")
    page.select_option("select[name=engine]", "tesseract")
    page.get_by_label("Psm").wait_for()  # the options form is generated from tesseract's JSON Schema
    page.set_input_files("#file-input", str(datasets_dir / "sroie" / "img" / "000.jpg"))
    page.wait_for_selector(".file-list li:has-text('000.jpg')")
    ui.shot("upload", "h1:text('Upload documents')")
    page.click("button:text('Convert')")
    page.click("a:text('Watch the jobs')")
    row = page.locator("tbody tr", has_text="000.jpg").first
    row.wait_for()
    page.wait_for_selector("tbody tr[data-state=succeeded]", timeout=JOB_TIMEOUT_MS)  # updated by polling
    assert "1 / 1" in row.inner_text()
    href = row.locator("a:text('View')").get_attribute("href")
    ui.state["document_id"] = href.rsplit("/", 1)[-1]
    ui.shot("jobs", "tbody tr[data-state=succeeded]")


def test_document_view_text_overlay_and_downloads(ui: Ui, datasets_dir: Path) -> None:
    page = ui.laptop
    document_id = ui.state["document_id"]
    ui.go(f"/documents/{document_id}", "main[data-page=document] pre.raw")
    total = json.loads((datasets_dir / "sroie" / "key" / "000.json").read_text())["total"]
    assert total in page.inner_text("pre.raw")  # the receipt's total as in the ground truth

    wait_until(lambda: image_loaded(page))
    lines = page.locator("svg.overlay g.line")
    words = page.locator("svg.overlay g.word")
    assert lines.get_attribute("display") is None and words.get_attribute("display") == "none"
    line_boxes = lines.locator("rect").count()
    assert line_boxes >= 10
    page.check("#show-word")
    assert words.get_attribute("display") is None
    assert words.locator("rect").count() > line_boxes
    page.uncheck("#show-line")
    assert lines.get_attribute("display") == "none"
    page.check("#show-line")
    page.uncheck("#show-word")

    page.focus("[role=tab]:text('Text')")
    page.keyboard.press("ArrowRight")  # tabs follow the WAI-ARIA keyboard pattern
    assert page.get_attribute("[role=tab]:text-is('Markdown')", "aria-selected") == "true"
    page.click("[role=tab]:text('Markdown source')")
    assert total in page.locator("[role=tabpanel]:not([hidden]) pre").inner_text()
    page.click("[role=tab]:text('JSON')")
    assert '"number": 1' in page.locator("[role=tabpanel]:not([hidden]) pre").inner_text()
    page.click("[role=tab]:text('Text')")
    for fmt in ("md", "json", "txt", "html", "csv"):
        link = page.locator(f".downloads a[href*='format={fmt}']")
        response = page.request.get(ui.server.url + link.get_attribute("href"))
        assert response.ok, fmt
    ui.shot("document", "pre.raw")


def test_compare_two_engines_and_the_ground_truth(ui: Ui, datasets_dir: Path) -> None:
    from ocrops.evaluate.datasets import import_dataset

    sroie = import_dataset("sroie", datasets_dir / "sroie", None)
    root = ui.server.home / "datasets" / "default" / "sroie-000"
    sroie.with_samples([sroie.get("000")], name="sroie-000").save(root)
    ui.state["bench_dataset"] = root

    page = ui.laptop
    ui.go(f"/compare?a={ui.state['document_id']}", "main[data-page=compare] #file-input")
    page.set_input_files("#file-input", str(datasets_dir / "sroie" / "img" / "000.jpg"))
    page.get_by_label("Engine A").select_option("tesseract")
    page.get_by_label("Engine B").select_option("rapidocr")
    page.click("button:text('Run and compare')")
    page.wait_for_selector("h2:text('Differences')", timeout=JOB_TIMEOUT_MS)
    assert page.locator("pre.diff del, pre.diff ins").count() > 0  # the engines differ somewhere
    truth = page.locator("section:has(h2:text('Against ground truth'))")
    assert "sroie-000" in truth.inner_text() and "characters differ" in truth.inner_text()
    ui.shot("compare", "h2:text('Differences')")


def test_review_correction_becomes_ground_truth(ui: Ui, datasets_dir: Path) -> None:  # uses the SROIE upload
    page = ui.laptop
    document_id = ui.state["document_id"]
    ui.go(f"/review?threshold=1&document_id={document_id}", "main[data-page=review] .review-item")
    item = page.locator(".review-item").first
    page_number, line = int(item.get_attribute("data-page")), int(item.get_attribute("data-line"))
    corrected = "CORRECTED BY A PERSON 9.00"
    item.locator("input[name=text]").fill(corrected)
    ui.shot("review", ".review-item")
    item.locator("button:text('Save correction')").click()
    item.locator(".badge:text('saved')").wait_for()
    page.wait_for_selector("td:text('review')")  # the datasets table lists the new dataset

    with ui.server.client() as api:
        samples = api.get("/api/v1/datasets/review/samples").raise_for_status().json()["samples"]
        sample = next(s for s in samples if s["meta"]["document_id"] == document_id)
        assert sample["text"] == corrected
        assert (sample["meta"]["page"], sample["meta"]["line"]) == (page_number, line)
        image = api.get(f"/api/v1/datasets/review/samples/{sample['id']}/file").raise_for_status()
        assert image.content.startswith(b"\x89PNG")
        queue = api.get("/api/v1/review", params={"threshold": 1, "document_id": document_id}).json()
        assert (page_number, line) not in {(i["page"], i["line"]) for i in queue["items"]}
    manifest = ui.server.home / "datasets" / "default" / "review" / "manifest.jsonl"
    assert corrected in manifest.read_text()


def test_benchmark_runs_report_and_comparison(ui: Ui, datasets_dir: Path) -> None:  # uses the SROIE dataset
    dataset = ui.state["bench_dataset"]
    ui.server.ocrops("bench", "run", str(dataset), "-e", "tesseract", "-e", "rapidocr", "-q", "--json")

    page = ui.laptop
    ui.go("/bench", "main[data-page=bench] tbody tr")
    rows = page.locator("tbody tr")
    assert rows.count() == 2 and "sroie-000" in rows.first.inner_text()
    ui.shot("bench", "tbody tr")

    rows.first.locator("a").first.click()
    report = page.frame_locator("iframe.report")
    report.locator("h2:text('Worst documents')").wait_for()
    assert "ocrops benchmark" in report.locator("h1").inner_text()
    ui.shot("bench-run", "iframe.report")

    ui.go("/bench", "main[data-page=bench] tbody tr")
    for box in page.locator("tbody input[type=checkbox]").all():
        box.check()
    page.click("button:text('Compare the two selected runs')")
    page.wait_for_selector("h1:text('Compare runs')")
    assert page.locator("td:text('CER')").count() == 1
    ui.shot("bench-compare", "h1:text('Compare runs')")


def test_a_200_page_document_loads_one_page_image_at_a_time(ui: Ui, tmp_path: Path) -> None:
    from tests import docgen

    pdf = tmp_path / "long.pdf"
    docgen.many_pages_pdf(pdf, pages=200)
    with ui.server.client() as api:
        submitted = api.post("/api/v1/documents", files={"file": ("long.pdf", pdf.read_bytes())},
                             data={"engine": "pdftext", "formats": "json"}).raise_for_status().json()
        job_id, document_id = submitted["job"]["id"], submitted["document"]["id"]
        wait_until(lambda: api.get(f"/api/v1/jobs/{job_id}").json()["state"] == "succeeded", timeout=90)

    page = ui.laptop
    images: list[str] = []
    page.on("request", lambda request: images.append(request.url) if "/image" in request.url else None)
    ui.go(f"/documents/{document_id}", "main[data-page=document] pre.raw")
    wait_until(lambda: image_loaded(page))
    assert "Page 1 of 200" in page.inner_text("pre.raw")
    assert 1 <= len(set(images)) <= 20  # the page shown and the thumbnails in view, not 200 images
    page.fill("#page-number", "137")
    page.keyboard.press("Enter")
    page.wait_for_selector("pre.raw:text('Page 137 of 200')")
    assert page.get_attribute(".page-stage img", "src").endswith("/pages/137/image")
    page.click(".page-stage")  # out of the page-number field: PageDown now turns the page
    page.keyboard.press("PageDown")
    page.wait_for_selector("pre.raw:text('Page 138 of 200')")
    wait_until(lambda: image_loaded(page))
    assert ui.server.process.poll() is None, "".join(ui.server.output[-20:])
    assert len(set(images)) <= 40  # plus the thumbnails around page 137, still far from 200
    ui.shot("document-200-pages", "main[data-page=document] pre.raw")

