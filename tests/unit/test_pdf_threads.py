"""pdfium is not thread-safe; the service calls it from request and worker threads at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ocrops.loaders import LoadOptions, Source, open_document
from tests import docgen


def test_concurrent_renders_and_text_layers_from_many_threads(tmp_path):
    pdf = tmp_path / "pages.pdf"
    docgen.many_pages_pdf(pdf, pages=12)

    def work(seed: int) -> list[tuple[tuple[int, int], str]]:
        with open_document(Source.from_path(pdf), LoadOptions()) as doc:  # one document per thread
            results = []
            for number in [(seed + i) % 12 + 1 for i in range(12)]:
                page = doc.page(number)
                image = page.render(40)
                lines = page.text_layer(40) or []
                results.append((image.size, " ".join(line.text for line in lines)))
            return sorted(results, key=lambda r: r[1])

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(work, range(16)))
    assert all(outcome == outcomes[0] for outcome in outcomes)
    assert len({text for _, text in outcomes[0]}) == 12
