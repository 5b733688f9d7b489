"""A capture that runs over midnight (or over days: a rotating capture's files) gives each time of
day its date wherever the summary, the notebook's table, the HTML report and the dashboard's
packet table print one; within one date the date is said once, and the times stand alone."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from workbench import formatting as fmt
from workbench.analysis.report import headline_items
from workbench.export.html_report import render
from workbench.ui import views
from workbench.ui.controls import ALL_PHASES

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "reflection_mix.pcap"
# the sample runs 14:00:00-14:02:30 UTC on 2021-05-15: moved so that its middle is midnight
SHIFT = datetime(2021, 5, 16, tzinfo=UTC) - datetime(2021, 5, 15, 14, 1, 15, tzinfo=UTC)


def _analysed(shift) -> wb.Report:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = wb.load(SAMPLE, progress=False).packets.with_columns(pl.col("ts") + shift)
        return wb.analyze(frame, progress=False)


@pytest.fixture(scope="module")
def over_midnight() -> wb.Report:
    return _analysed(SHIFT)


@pytest.fixture(scope="module")
def one_day() -> wb.Report:
    return _analysed(SHIFT * 0)


def _times(text: str) -> list[str]:
    """Every time of day in ``text``, with the date before it when there is one."""
    return re.findall(r"(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\.\d{3}", text)


def test_times_over_midnight_carry_their_dates(over_midnight) -> None:
    data = over_midnight.to_dict()
    phases = [p for p in data["phases"] if p["kind"] != "baseline"]
    assert (
        fmt.date(phases[0]["start"]) == "2021-05-15" and fmt.date(phases[-1]["end"]) == "2021-05-16"
    )
    attack = dict(headline_items(data))["Attack"]
    assert _times(attack) and all(t.startswith("2021-05-1") for t in _times(attack)), attack
    table = over_midnight._repr_markdown_().split("| phase |", 1)[1]
    assert len(_times(table)) == 2 * len(data["phases"])
    assert all(re.match(r"2021-05-1[56] ", t) for t in _times(table)), table
    html = render(over_midnight)
    assert "Times in UTC on" not in html
    phase_table = html.split("<h2>Phases</h2>", 1)[1].split("</table>", 1)[0]
    assert _times(phase_table) and all(t.startswith("2021-05-1") for t in _times(phase_table))
    vector_table = html.split("<h2>Vectors and the evidence for each</h2>", 1)[1].split(
        "</table>", 1
    )[0]
    assert _times(vector_table) and all(t.startswith("2021-05-1") for t in _times(vector_table))


def test_times_within_one_date_stand_alone(one_day) -> None:
    data = one_day.to_dict()
    attack = dict(headline_items(data))["Attack"]
    assert _times(attack) and not any(" " in t for t in _times(attack)), attack
    html = render(one_day)
    assert "Times in UTC on 2021-05-15." in html
    phase_table = html.split("<h2>Phases</h2>", 1)[1].split("</table>", 1)[0]
    assert _times(phase_table) and not any(" " in t for t in _times(phase_table))


def test_packet_table_times_carry_their_dates_over_days(over_midnight) -> None:
    packets = over_midnight.packets.lazy().with_row_index("packet")
    rows, _ = views.packet_rows(packets, days=True)
    assert all(re.fullmatch(r"2021-05-15 23:58:4\d\.\d{6}", t) for t in rows["Time"].to_list())
    rows, _ = views.packet_rows(packets)
    assert all(re.fullmatch(r"23:58:4\d\.\d{6}", t) for t in rows["Time"].to_list())
    assert fmt.over_days(over_midnight.capture)


def test_a_frame_in_another_time_unit_or_zone_is_read_in_utc_nanoseconds() -> None:
    # a frame changed by hand (a timedelta added: microseconds) was read as nanoseconds: the
    # capture sat in January 1970
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = wb.load(SAMPLE, progress=False).packets
        ns = wb.analyze(frame, progress=False)
        ts = pl.col("ts")
        for changed in (
            frame.with_columns(ts.dt.cast_time_unit("us")),
            frame.with_columns(ts.dt.convert_time_zone("Europe/Paris")),
            frame.with_columns(ts.dt.replace_time_zone(None).dt.cast_time_unit("ms")),
        ):
            report = wb.analyze(changed, progress=False)
            assert (
                report.capture.get("start")[:19]
                == ns.capture.get("start")[:19]
                == "2021-05-15T14:00:00"
            )
            assert [p["start"][:19] for p in report.phases] == [p["start"][:19] for p in ns.phases]
        lazy = wb.analyze(frame.lazy().with_columns(ts.dt.cast_time_unit("us")), progress=False)
        assert lazy.capture.get("start") == ns.capture.get("start")


def test_dashboard_phases_and_packets_carry_their_dates_over_days(over_midnight) -> None:
    dash = wb.Dashboard(None, over_midnight)
    labels = [text for text, value in dash.phase_picker.options if value != ALL_PHASES]
    assert labels and all(
        re.search(r"2021-05-1[56] \d\d:\d\d:\d\d–2021-05-1[56] ", t) for t in labels
    )
    assert "2021-05-15 23:58:4" in dash.packet_table.value
