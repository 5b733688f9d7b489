"""A visitor's page views are no HTTP flood: each view of an HTTP/1.1 site opens a few
connections at once (up to 6 to one server), views are seconds apart, so one client's hot
seconds are a flood only when they come in a run (at most ``http_flood_max_gap_s`` apart).
A client opening connections all the time is a flood, dips included."""

from __future__ import annotations

import polars as pl
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench.analysis.config import DEFAULT, AnalysisConfig
from workbench.analysis.vectors.http_floods import solo_http

WEB = "203.0.113.80"


def _seconds(hot: list[int], syns: int = 6) -> pl.DataFrame:
    """One client's per-second figures: ``syns`` new connections in each ``hot`` second, none
    of its requests answered."""
    zero = [0] * len(hot)
    return pl.DataFrame(
        {"dst": [1] * len(hot), "src": [2] * len(hot), "second": hot,
         "requests": [syns] * len(hot), "sessions": [syns] * len(hot), "syns": [syns] * len(hot),
         "answered": zero, "same_request": zero, "same_answer": zero},
        schema={"dst": pl.UInt128, "src": pl.UInt128, "second": pl.Int64, "requests": pl.UInt32,
                "sessions": pl.UInt32, "syns": pl.UInt32, "answered": pl.UInt32,
                "same_request": pl.UInt32, "same_answer": pl.UInt32},
    )  # fmt: skip


def test_page_views_seconds_apart_are_no_flood() -> None:
    assert solo_http(_seconds([4, 12, 20, 28, 36, 44, 52]), DEFAULT).is_empty()


def test_a_run_with_dips_is_a_flood_from_its_first_second_to_its_last() -> None:
    hot = [20, 21, 23, 24, 26, 27, 28]  # a quiet second now and then
    found = solo_http(_seconds([4, 12, *hot, 44]), DEFAULT)
    assert sorted(found["second"].to_list()) == list(range(20, 29))


def test_a_short_run_is_no_flood() -> None:
    assert solo_http(_seconds([20, 21, 22, 23]), DEFAULT).is_empty()
    assert solo_http(_seconds([20, 21, 22, 23, 24]), DEFAULT).height == 5


def test_page_views_scenario_and_a_solo_flood_amid_them(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "http11-page-views")
    assert _vectors(clean) == []
    # the same views read as a flood when every hot second, however far apart, counts
    capture = wb.load(tmp_path / "http11-page-views.pcap")
    before = wb.analyze(capture, config=AnalysisConfig(http_flood_max_gap_s=1e9))
    assert _vectors(before) == [("http_flood", [WEB])]
    found, recall, precision = in_memory(tmp_path, "solo-http-flood-amid-page-views", "http_flood")
    assert _vectors(found) == [("http_flood", [WEB])]
    assert recall >= 0.9 and precision >= 0.9


def test_over_dataset_windows(tmp_path) -> None:
    clean, *_ = over_windows(tmp_path, "http11-page-views", window_packets=600)
    assert _vectors(clean) == []
    found, *_ = over_windows(tmp_path, "solo-http-flood-amid-page-views", window_packets=1_200)
    assert _vectors(found) == [("http_flood", [WEB])]
