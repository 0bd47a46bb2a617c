"""What bench/dashboard.py reads of pages and exports: the backlog's next link, and how many
items an export file holds (counted without loading it)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from bench.dashboard import exported_items, next_page


def test_the_next_page_is_the_link_marked_next() -> None:
    html = (
        '<nav><a href="/backlog?q=a">First page</a> '
        '<a href="/backlog?q=a&amp;after=xyz" rel="next">Next page</a></nav>'
    )
    assert next_page(html) == "/backlog?q=a&after=xyz"
    assert next_page('<a href="/backlog">First page</a>') is None


def test_a_csv_export_counts_its_items_whatever_their_text(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["number", "text"])
        writer.writerows([[1, "two\nlines"], [2, 'a "quote", and a comma'], [3, "plain"]])
    assert exported_items(path, "csv") == 3


def test_a_json_export_counts_items_across_the_chunks_it_is_read_in(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    # Over a mebibyte, so that the count goes on from one chunk to the next.
    items = [{"number": n, "text": "x" * 300} for n in range(1, 5001)]
    path.write_text(json.dumps(items, indent=2))
    assert path.stat().st_size > 1 << 20
    assert exported_items(path, "json") == 5000
