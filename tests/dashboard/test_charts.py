"""The SVG charts: what they draw is the numbers they are given, readable without the drawing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from adapters.dashboard.charts import (
    bar_chart,
    line_chart,
    nice_ticks,
    stacked_bar_chart,
    time_unit,
)

SVG = "{http://www.w3.org/2000/svg}"


def marks(svg: str, tag: str) -> list[dict[str, str]]:
    root = ET.fromstring(svg)
    return [each.attrib for each in root.iter(f"{SVG}{tag}") if "data-value" in each.attrib]


def test_a_bar_chart_draws_one_bar_per_nonzero_value_with_its_number() -> None:
    chart = bar_chart("Votes on open items", "How many votes", ["0", "1", "2-4"], [4, 0, 2])
    bars = marks(chart.svg, "rect")
    assert [(b["data-label"], b["data-value"]) for b in bars] == [("0", "4"), ("2-4", "2")]
    assert 'data-chart="bar"' in chart.svg


def test_a_bar_chart_names_itself_for_screen_readers() -> None:
    chart = bar_chart("SLA breaches per week", "Breaches whose deadline passed", ["w1"], [1])
    root = ET.fromstring(chart.svg)
    assert root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == "SLA breaches per week"
    assert root.findtext(f"{SVG}desc") == "Breaches whose deadline passed"
    labelled = root.get("aria-labelledby", "").split()
    assert labelled == ["sla-breaches-per-week-title", "sla-breaches-per-week-desc"]


def test_a_taller_bar_stands_for_a_bigger_number() -> None:
    chart = bar_chart("Open must-haves by age", "", ["< 1 day", "> 3 months"], [1, 3])
    small, big = marks(chart.svg, "rect")
    assert float(big["height"]) == 3 * float(small["height"])


def test_a_stacked_bar_chart_keeps_each_series_and_totals_them_in_its_table() -> None:
    chart = stacked_bar_chart(
        "Items per week",
        "",
        ["Mar 3", "Mar 10"],
        {"feedback/internal": [1, 2], "request/external": [0, 5]},
    )
    bars = marks(chart.svg, "rect")
    assert [(b["data-label"], b["data-series"], b["data-value"]) for b in bars] == [
        ("Mar 3", "feedback/internal", "1"),
        ("Mar 10", "feedback/internal", "2"),
        ("Mar 10", "request/external", "5"),
    ]
    assert chart.columns == ["", "feedback/internal", "request/external", "total"]
    assert chart.rows == [["Mar 3", "1", "0", "1"], ["Mar 10", "2", "5", "7"]]
    # The legend names each series in the drawing.
    assert "feedback/internal</text>" in chart.svg


def test_a_line_chart_leaves_a_gap_where_nothing_happened() -> None:
    chart = line_chart(
        "Time to ship",
        "Median and 90th percentile",
        ["Jan", "Feb", "Mar"],
        {"median": [3600.0, None, 7200.0], "p90": [5400.0, None, 9000.0]},
        unit="h",
        scale=3600,
    )
    points = marks(chart.svg, "circle")
    assert [(p["data-label"], p["data-series"], p["data-value"]) for p in points] == [
        ("Jan", "median", "3600.0"),
        ("Mar", "median", "7200.0"),
        ("Jan", "p90", "5400.0"),
        ("Mar", "p90", "9000.0"),
    ]
    path = ET.fromstring(chart.svg).find(f".//{SVG}path[@data-series='median']")
    assert path is not None and path.get("d", "").count("M") == 2  # two pieces, not one line
    assert chart.rows == [["Jan", "1", "1.5"], ["Feb", "-", "-"], ["Mar", "2", "2.5"]]
    assert chart.columns == ["", "median (h)", "p90 (h)"]


def test_a_chart_with_nothing_to_show_says_so() -> None:
    chart = bar_chart("Breaches", "", ["w1", "w2"], [0, 0])
    assert marks(chart.svg, "rect") == []
    assert "Nothing yet" in chart.svg


def test_text_in_a_chart_is_escaped() -> None:
    chart = stacked_bar_chart("<b>", "a & b", ["<script>"], {'"><x': [1]})
    ET.fromstring(chart.svg)  # still well-formed
    assert "<script>" not in chart.svg and "<b>" not in chart.svg
    assert "&lt;script&gt;" in chart.svg


def test_ticks_are_round_numbers_reaching_the_highest_value() -> None:
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(1234) == [0, 500, 1000, 1500]
    assert nice_ticks(2.5, whole=False) == [0, 1, 2, 3]
    assert nice_ticks(0) == [0, 1]


def test_durations_are_shown_in_a_unit_that_suits_them() -> None:
    assert time_unit(45) == (1, "s")
    assert time_unit(600) == (60, "min")
    assert time_unit(5 * 3600) == (3600, "h")
    assert time_unit(10 * 86400) == (86400, "d")


def test_ticks_below_one_keep_their_digits() -> None:
    chart = line_chart("Small", "under a second", ["a", "b"], {"median": [0.02, 0.05]})
    assert ">0.02<" in chart.svg and ">0.04<" in chart.svg
