"""The dashboard driven from Python: set a filter, assert what every view now shows."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from workbench import formatting as fmt
from workbench.ui import views
from workbench.viz.palette import colour

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"


@pytest.fixture(scope="module")
def loaded():
    capture = wb.load(SAMPLE)
    return capture, wb.analyze(capture, link_capacity="3M")


@pytest.fixture(scope="module")
def shared(loaded):
    """One dashboard for the read-only checks (building one draws a world map: ~1 s)."""
    capture, report = loaded
    return wb.Dashboard(capture, report)


@pytest.fixture
def dash(shared):
    shared.clear_filters()
    shared.state.table_order = ("No.", False)
    return shared


def _panels(dash) -> dict:
    """What every panel shows now."""
    spec = dash.detail.chart.to_dict()
    data = spec.get("datasets", {})
    return {
        "detail": {row["vector"] for rows in data.values() for row in rows if "vector" in row},
        "overview": {r["vector"] for rows in dash.overview.chart.to_dict().get("datasets", {}).values() for r in rows if "vector" in r},
        "totals": dash.totals.value,
        "link": dash.saturation_view.value,
        "spoofing": dash.spoofing_view.value,
        "map": dash.map.chart.to_dict()["title"]["text"],
        "map_caption": dash.map_caption.value,
        "table": dash.packet_table.value,
        "total": dash.table_caption.value,
    }  # fmt: skip


def _table_rows(dash) -> list[list[str]]:
    body = dash.packet_table.value.split("<tbody>")[1]
    return [re.findall(r"<td>(.*?)</td>", row) for row in body.split("<tr")[1:]]


def _headers(dash) -> list[tuple[str, str]]:
    """(attributes, text) of each header of the packet table."""
    head = dash.packet_table.value.split("<tbody>")[0]
    return re.findall(r"<th((?: [^>]*)?)>(.*?)</th>", head)


def _click_header(dash, column: str) -> None:
    """What the browser sends when the analyst clicks a header (``PacketTable``'s script)."""
    dash.packet_table._handle_custom_msg({"sort": column}, [])


def _number(cell: str) -> int:
    return int(cell.replace(",", ""))


def _count(html: str) -> int:
    return int(re.search(r"wb-total'>([\d,]+)<", html).group(1).replace(",", ""))


def test_pickers_start_at_all_and_show_the_whole_capture(dash, loaded) -> None:
    _, report = loaded
    for picker in (
        dash.vector_picker,
        dash.phase_picker,
        dash.target_picker,
        dash.country_picker,
        dash.asn_picker,
    ):
        assert picker.label.startswith("all ")
    assert _count(dash.table_caption.value) == report.packets.height
    assert "No filters" in dash.tag_bar.children[0].value


def test_vector_reaches_every_view(dash, loaded) -> None:
    _, report = loaded
    before = _panels(dash)
    dash.vector_picker.value = "ssdp_amplification"
    after = _panels(dash)
    assert after["detail"] == after["overview"] == {"ssdp_amplification"}
    assert "SSDP amplification" in after["totals"] and "DNS amplification" not in after["totals"]
    assert after["link"] != before["link"] and after["map"] != before["map"]
    assert "SSDP amplification" in after["spoofing"] and "SYN flood" not in after["spoofing"]
    expected = report.packets.filter(pl.col("vector") == "ssdp_amplification").height
    assert _count(after["total"]) == expected
    rows = _table_rows(dash)
    assert (
        len(rows) == 20
        and {r[8] for r in rows} == {"SSDP amplification"}
        and {r[4] for r in rows} == {"UDP"}
    )
    assert [t.description for t in dash.tag_bar.children[1:-1]] == ["vector: SSDP amplification  ✕"]


def test_brush_and_phase_reach_every_view(dash, loaded) -> None:
    _, report = loaded
    phase = report.phases[3]  # the carpet bombing
    start, end = (
        pl.Series([phase["start"], phase["end"]]).str.to_datetime(time_unit="ms").cast(pl.Int64)
    ).to_list()
    dash.overview._vl_selections = {
        "brush": {"value": {"ts": [start + 5000, end - 5000]}, "store": []}
    }
    assert dash.state.window is not None and dash.state.phase is None
    shown = _panels(dash)
    assert shown["detail"] <= {"syn_flood", "udp_flood", "legit"} and "syn_flood" in shown["detail"]
    assert "SYN flood" in shown["totals"] and "DNS amplification" not in shown["totals"]
    assert all(phase["start"][11:19] <= r[1][:8] <= phase["end"][11:19] for r in _table_rows(dash))
    assert "time: " in dash.tag_bar.children[1].description
    dash.phase_picker.value = 1
    assert dash.state.phase == 1 and dash.state.window[0].isoformat().startswith(
        report.phases[1]["start"][:19]
    )
    shown = _panels(dash)
    assert shown["detail"] <= {"dns_amplification", "ntp_amplification", "legit"}
    rows = _table_rows(dash)
    assert rows[0][8] != "legitimate"  # an attack phase: attack packets first
    dash.clear_filter("phase")
    assert dash.state.window is None and dash.phase_picker.value == -1


@pytest.mark.parametrize("vector", ["", "ssdp_amplification"])
def test_totals_of_a_phase_or_a_brushed_window_match_its_packets(dash, loaded, vector) -> None:
    """A phase starts at its first packet, a brush anywhere: the 100 ms bins the window cuts are
    recounted from their packets, so the totals and the packet table agree to the packet."""
    _, report = loaded
    dash.vector_picker.value = vector
    ms = pl.Series([report.phases[4]["start"]]).str.to_datetime(time_unit="ms").cast(pl.Int64)[0]
    brushes = [None, (ms - 1234, ms + 5678)]  # None: the phase picker
    for brush in brushes:
        if brush is None:
            dash.phase_picker.value = 4
        else:
            dash.overview._vl_selections = {"brush": {"value": {"ts": list(brush)}, "store": []}}
        assert _count(dash.table_caption.value) == int(
            views.vector_totals(dash.selected)["packets"].sum()
        )
        shown = re.search(r"In the selection:</b> ([\d,]+) packets", dash.totals.value).group(1)
        assert _number(shown) == _count(dash.table_caption.value)
        dash.clear_filter("phase")


def test_target_country_and_asn_reach_every_view(dash, loaded) -> None:
    _, report = loaded
    dash.target_picker.value = "203.0.113.0/24"
    shown = _panels(dash)
    # the datacenter /24 holds the carpet bombing and the two mail servers, not the upstream routers
    assert "syn_flood" in shown["detail"] and not shown["detail"] & {
        "ssdp_amplification",
        "ip_fragment_flood",
    }
    assert all(r[3].startswith("203.0.113.") for r in _table_rows(dash))
    dash.clear_filters()
    dash.country_picker.value = "JP"
    shown = _panels(dash)
    assert dash.map.chart.to_dict()["title"]["text"].startswith("Sources in JP")
    # spoofed vectors are left out of a country filter: their addresses are forged
    assert not shown["detail"] & set(views.spoofed_vectors(report.sources))
    sources = [r[2] for r in _table_rows(dash)]
    found = wb.enrich.geolocate(wb.capture.addresses.from_text(sources, "a"))
    assert set(found["country"].to_list()) == {"JP"}
    assert _count(shown["total"]) == int(views.vector_totals(dash.selected)["packets"].sum())
    dash.clear_filters()
    asn = report.sources["asns"][0]["asn"]
    dash.asn_picker.value = asn
    found = wb.enrich.geolocate(
        wb.capture.addresses.from_text([r[2] for r in _table_rows(dash)], "a")
    )
    assert set(found["asn"].to_list()) == {asn}
    assert f"source ASN: AS{asn}" in dash.tag_bar.children[1].description


def test_map_click_filters_every_view_and_a_redraw_keeps_it(dash) -> None:
    dash.map._vl_selections = {
        "country": {"value": {"vlPoint": {"or": [{"iso2": "JP"}]}}, "store": []}
    }
    assert dash.state.country == "JP" and dash.country_picker.value == "JP"
    # a redrawn map reports its (preset) selection: the filter stays
    dash.map._vl_selections = {
        "country": {"value": {"vlPoint": {"or": [{"iso2": "JP"}]}}, "store": []}
    }
    assert dash.state.country == "JP"
    dash.map._vl_selections = {"country": {"value": None, "store": []}}
    assert dash.state.country is None


def test_empty_selection_says_so_in_every_panel(dash) -> None:
    dash.vector_picker.value = "dns_amplification"
    dash.phase_picker.value = 3  # the carpet bombing holds no DNS amplification
    shown = _panels(dash)
    assert "No traffic in this selection" in str(dash.detail.chart.to_dict())
    assert "no packets" in shown["totals"] and "no traffic" in shown["link"]
    assert "no attack vectors" in shown["spoofing"] and "No located sources" in shown["map_caption"]
    assert "No packets match" in shown["table"] and "none" in shown["total"]
    assert "DNS" not in shown["map_caption"] and "<td>" not in shown["table"]


def test_filter_bar_tags_remove_one_filter_or_all(dash) -> None:
    dash.vector_picker.value = "syn_flood"
    dash.target_picker.value = "203.0.113.0/24"
    tags = dash.tag_bar.children
    assert [t.description for t in tags[1:]] == [
        "vector: SYN flood  ✕",
        "target: 203.0.113.0/24  ✕",
        "clear all",
    ]
    tags[1].click()
    assert dash.state.vector is None and dash.vector_picker.value == "" and dash.state.target
    dash.tag_bar.children[-1].click()
    assert dash.state.target is None and dash.target_picker.value == ""


def test_packet_table_reads_like_wireshark(dash) -> None:
    dash.vector_picker.value = "syn_flood"
    rows = _table_rows(dash)
    assert {r[4] for r in rows} == {"TCP"} and all(r[6].endswith("[SYN]") for r in rows)
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d\.\d{6}", r[1]) for r in rows)
    assert all(re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", r[9]) for r in rows)
    _click_header(dash, "Length")
    _click_header(dash, "Length")
    lengths = [_number(r[5]) for r in _table_rows(dash)]
    assert lengths == sorted(lengths, reverse=True) and "Length ▼" in dash.packet_table.value
    assert (
        views.tcp_flags_text(0x12) == "SYN, ACK" and views.tcp_flags_text(0x19) == "FIN, PSH, ACK"
    )
    assert views.mac_text(0xAABBCCDDEEFF) == "aa:bb:cc:dd:ee:ff"


def test_clicking_a_header_sorts_and_again_reverses(dash, loaded) -> None:
    """As in Wireshark: a click on a header sorts by it (▲), a second reverses (▼), another
    column starts ascending; ties keep the packets' order; the sort is shown in the header."""
    _, report = loaded
    headers = dict((text, attrs) for attrs, text in _headers(dash))
    assert set(views.SORT_KEYS) <= {t.rstrip(" ▲▼") for t in headers}
    assert "data-sort='No.'" in headers["No. ▲"] and "aria-sort='ascending'" in headers["No. ▲"]
    assert "data-sort" not in headers["Info"] and "data-sort" not in headers["Source MAC"]
    assert [_number(r[0]) for r in _table_rows(dash)] == list(range(1, 21))

    _click_header(dash, "Length")
    assert dash.state.table_order == ("Length", False)
    rows = _table_rows(dash)
    keys = [(_number(r[5]), _number(r[0])) for r in rows]
    assert keys == sorted(keys) and keys[0][0] == report.packets["wire_len"].min()
    assert "Length ▲" in dash.packet_table.value and "No. ▲" not in dash.packet_table.value
    assert "by Length" in dash.table_caption.value

    _click_header(dash, "Length")  # again: reversed, ties still in packet order
    assert dash.state.table_order == ("Length", True)
    rows = _table_rows(dash)
    keys = [(-_number(r[5]), _number(r[0])) for r in rows]
    assert keys == sorted(keys) and -keys[0][0] == report.packets["wire_len"].max()
    assert (
        "Length ▼" in dash.packet_table.value
        and "aria-sort='descending'" in dash.packet_table.value
    )
    assert "by Length descending" in dash.table_caption.value

    _click_header(dash, "Source")  # another column: ascending again
    assert dash.state.table_order == ("Source", False)
    sources = [ipaddress.ip_address(r[2]) for r in _table_rows(dash)]
    assert sources == sorted(sources)  # addresses in numeric order, not as text
    _click_header(dash, "Time")
    _click_header(dash, "Time")
    times = [r[1] for r in _table_rows(dash)]
    assert times == sorted(times, reverse=True) and times[0] == fmt.clock(
        report.packets["ts"].max(), digits=6
    )


@pytest.mark.parametrize(
    "pick",
    [
        ("vector", "syn_flood"),
        ("phase", 3),
        ("target", "203.0.113.0/24"),
        ("country", "JP"),
        ("asn", None),
    ],
    ids=lambda p: p[0],
)
def test_header_sort_keeps_every_filter(dash, loaded, pick) -> None:
    """The sort applies to the selection: the rows stay those of the filter, in the order
    clicked, and the order stays when the filter changes."""
    _, report = loaded
    name, value = pick
    if name == "asn":
        value = report.sources["asns"][0]["asn"]
    getattr(dash, f"{name}_picker").value = value
    total = _count(dash.table_caption.value)
    _click_header(dash, "Length")
    _click_header(dash, "Length")
    rows = _table_rows(dash)
    lengths = [_number(r[5]) for r in rows]
    assert rows and lengths == sorted(lengths, reverse=True)
    assert _count(dash.table_caption.value) == total  # the same selection, sorted
    if name == "vector":
        syn = report.packets.filter(pl.col("vector") == "syn_flood")
        assert {r[8] for r in rows} == {"SYN flood"} and lengths[0] == syn["wire_len"].max()
    elif name == "phase":
        phase = report.phases[3]
        assert all(phase["start"][11:19] <= r[1][:8] <= phase["end"][11:19] for r in rows)
        assert rows[0][8] != "legitimate"  # attack packets first, then by length
    elif name == "target":
        assert all(r[3].startswith("203.0.113.") for r in rows)
    else:
        found = wb.enrich.geolocate(wb.capture.addresses.from_text([r[2] for r in rows], "a"))
        assert set(found[name].to_list()) == {value}
    dash.clear_filters()  # the order outlives the filter
    lengths = [_number(r[5]) for r in _table_rows(dash)]
    assert lengths == sorted(lengths, reverse=True) and "Length ▼" in dash.packet_table.value


def test_header_clicks_from_the_page_are_checked_not_trusted(dash) -> None:
    before = dash.packet_table.value
    for content in (
        {"sort": "<img src=x onerror=alert(1)>"},
        {"sort": "Info"},
        {"sort": 5},
        ["Length"],
    ):
        dash.packet_table._handle_custom_msg(content, [])
    assert dash.state.table_order == ("No.", False) and dash.packet_table.value == before


def test_one_colour_per_vector_in_every_chart(dash) -> None:
    for chart in (dash.overview.chart, dash.detail.chart):
        scale = chart.to_dict()["encoding"]["color"]["scale"]
        assert scale["domain"][0] == "legit"  # legitimate at the bottom of the stack
        assert scale["range"] == [colour(v) for v in scale["domain"]]


def test_capacity_box_applies_on_enter_and_rejects_a_bad_value_in_place(dash) -> None:
    assert dash.capacity_box.continuous_update is False
    dash.capacity_box.value = "1.5M"
    assert "1.5 Mbit/s" in dash.saturation_view.value and dash.state.capacity == "1.5M"
    dash.capacity_box.value = "lots"
    assert (
        "cannot read the link capacity" in dash.capacity_error.value
        and dash.state.capacity == "1.5M"
    )
    assert "wb-invalid" in dash.capacity_box._dom_classes
    dash.capacity_box.value = "3M"
    assert dash.capacity_error.value == "" and "wb-invalid" not in dash.capacity_box._dom_classes


def test_capacity_box_starts_from_the_report(loaded) -> None:
    """One rate for all, or the mapped links' sum, written the way analysts write it."""
    per_link = wb.analyze(
        loaded[0], link_capacity=["mac:00:1b:21:aa:00:01=1.5M", "mac:00:1b:21:aa:00:02=1.5M"]
    )
    assert wb.Dashboard(None, per_link).capacity_box.value == "3M"


def test_update_latency_stays_interactive(dash) -> None:
    import time

    started = time.perf_counter()
    for vector in ("syn_flood", "udp_flood", ""):
        dash.vector_picker.value = vector
    assert (time.perf_counter() - started) / 3 < 3.0  # generous on a loaded CI machine


HOSTILE = '<script>alert(1)</script>=HYPERLINK("javascript:alert(2)")\u202egnp.exe\x00end'


def test_hostile_strings_are_escaped_in_every_html_widget(loaded) -> None:
    """Packet- and report-derived text (targets, spoofing verdicts, dissected DNS names, URIs,
    user agents) reaches the widgets escaped, with invisible characters made visible."""
    capture, report = loaded
    data = report.to_dict()  # the typed report is frozen: a hostile one is built from its JSON
    data["targets"].insert(0, {"address": HOSTILE, "packets": 1, "bytes": 1, "vectors": []})
    spoof = data["sources"]["spoofing"]["per_vector"][0]
    spoof["verdict"], spoof["evidence"] = HOSTILE, HOSTILE + "' onmouseover='alert(3)"
    hostile = wb.Report.from_dict(data, series=report.series, packets=report.packets)
    dash = wb.Dashboard(capture, hostile)
    dash.target_picker.value = HOSTILE  # not an address: said, not raised
    assert (
        "is not an address or prefix" in dash.message.value and "none" in dash.table_caption.value
    )
    dash.clear_filters()
    dash.show_dissection(pl.DataFrame({"packet": [1], "dns.qry.name": [HOSTILE], "http.request.uri": ["javascript:alert(4)"],
                                       "http.user_agent": [HOSTILE]}))  # fmt: skip
    html = " ".join(w.value for w in _html_widgets(dash))
    assert "<script" not in html and "onmouseover='" not in html and "href" not in html
    assert "&lt;script&gt;" in html and "\\u202e" in html and "\\x00" in html
    assert "\u202e" not in html and "\x00" not in html
    labels = [label for label, _ in dash.target_picker.options] + [
        t.description for t in dash.tag_bar.children[1:]
    ]
    assert all("\u202e" not in label and "\x00" not in label for label in labels)


def _html_widgets(widget):
    import ipywidgets as widgets

    from workbench.ui.panels import PacketTable

    if isinstance(widget, widgets.HTML | PacketTable):
        yield widget
    for child in getattr(widget, "children", ()):
        yield from _html_widgets(child)


def test_dissect_selection_reads_application_fields_under_every_filter(dash, tshark) -> None:
    dash.vector_picker.value = "ssdp_amplification"
    out = dash.dissect_selection(per_vector=20)
    assert out.height == 20 and set(out["vector"].to_list()) == {"ssdp_amplification"}
    assert "ssdp" in dash.dissect_view.value
    dash.vector_picker.value = "ntp_amplification"  # the old dissection is not kept on show
    assert "selection changed" in dash.dissect_view.value


def test_save_packets_writes_the_selection_as_captured(dash, loaded, tmp_path, monkeypatch) -> None:
    # the NTP amplification under the phase filter: its packets, and only those, as captured
    _, report = loaded
    dash.vector_picker.value = "ntp_amplification"
    phase = next(p for p in report.phases if "ntp_amplification" in p.vectors)
    dash.phase_picker.value = phase.index
    monkeypatch.chdir(tmp_path)
    dash.save_button.click()
    [path] = tmp_path.glob("selection-*.pcapng")
    assert f"to {path.name}" in dash.save_view.value
    frame = report.packets.with_row_index("packet")
    wanted = frame.filter(
        (pl.col("vector") == "ntp_amplification")
        & pl.col("ts").is_between(phase.start, phase.end, closed="left")
    )
    saved = wb.load(path)
    assert saved.packets.height == wanted.height > 100
    assert saved.packets["ts"].to_list() == wanted["ts"].to_list()
    assert saved.packets["wire_len"].to_list() == wanted["wire_len"].to_list()
    assert f"wrote {wanted.height:,} attack packets" in dash.save_view.value
    # a selection with no attack packet says so and writes nothing
    dash.clear_filters()
    dash.phase_picker.value = next(p.index for p in report.phases if p.kind == "baseline")
    assert dash.save_packets(tmp_path / "none.pcapng") is None
    assert "No attack packets" in dash.save_view.value and not (tmp_path / "none.pcapng").exists()


def test_a_capture_without_an_attack_names_its_biggest_candidate(tmp_path) -> None:
    """The headline of a dashboard on no attack says what held the biggest candidate back; on
    an attack it says nothing of the kind."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
    from pcap_bytes import udp_pcap

    reflectors = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    t0 = 1_700_000_000 * 10**9
    udp_pcap(tmp_path / "three.pcap", [(t0 + k * 333_333, reflectors[k % 3], 11211,
                                        "203.0.113.10", 40000, 1400) for k in range(6000)])  # fmt: skip
    capture = wb.load(tmp_path / "three.pcap", progress=False)
    headline = wb.Dashboard(capture, wb.analyze(capture)).headline.value
    assert (
        "biggest candidate: Memcached amplification on 203.0.113.10: from 3 reflectors" in headline
    )
    relaxed = wb.analyze(capture, config=wb.AnalysisConfig(min_sources_reflection=3))
    assert "biggest candidate" not in wb.Dashboard(capture, relaxed).headline.value
