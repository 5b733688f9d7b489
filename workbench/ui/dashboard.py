"""The interactive dashboard: ipywidgets + Altair over one Report.

Every choice of the analyst lives in one ``DashboardState``; every panel is redrawn from it by
``refresh`` (one place), so every filter reaches every view: the overview (all filters but the
window, which its brush shows), the detail chart, the totals, the link line, the map (all
filters but the country, which it shows picked), the spoofing list, the packet table and
"dissect selection". Text taken from the packets or the report is escaped for HTML, with
invisible and direction-changing characters made visible (``export.escaping``).
"""

from __future__ import annotations

import base64
from contextlib import contextmanager

import altair as alt
import ipywidgets as widgets
import polars as pl

from workbench import viz
from workbench.analysis.capacity import format_rate
from workbench.errors import expect
from workbench.export.escaping import html_text
from workbench.ui import views
from workbench.ui.controls import Controls, label
from workbench.ui.panels import (
    CHART_HEIGHT,
    MAP_HEIGHT,
    MAP_WIDTH,
    OVERVIEW_WIDTH,
    PacketTable,
    Panels,
    empty_note,
)
from workbench.ui.state import DashboardState
from workbench.viz import geo as _geo  # noqa: F401  (viz.geo, viz.palette as attributes)
from workbench.viz import palette as _palette  # noqa: F401

# a saved selection up to this size is offered for download in the page itself (as a data
# link: Voilà, on Binder, serves no other file); a bigger one is only written beside the notebook
DOWNLOAD_MAX_BYTES = 20 << 20
STYLE = """<style>
.wb-dash {font-size: 13px}
.wb-headline {font-size: 14px; margin: 0 0 4px 0; line-height: 1.4}
.wb-headline b {font-weight: 600}
.wb-tags {align-items: center; flex-wrap: wrap; min-height: 32px}
.wb-tag button, button.wb-tag {background: #e8eef7; border: 1px solid #9db3d6; border-radius: 12px;
  height: 24px; line-height: 22px; font-size: 12px; padding: 0 10px}
.wb-empty {color: #777; font-style: italic}
.wb-error {color: #b00020}
a.wb-download {color: #1a5fb4; text-decoration: underline; margin-left: 6px; font-weight: 600}
.wb-invalid input {border-color: #b00020 !important; background: #fff4f4}
table.wb-packets {border-collapse: collapse; font: 12px/1.3 ui-monospace, Menlo, Consolas, monospace}
table.wb-packets th {text-align: left; background: #f0f0f0; padding: 2px 6px; white-space: nowrap}
table.wb-packets td {padding: 1px 6px; border-top: 1px solid #eee; white-space: nowrap;
  max-width: 420px; overflow: hidden; text-overflow: ellipsis}
table.wb-packets tr.wb-attack td:first-child {border-left: 3px solid #e15759}
table.wb-packets th[data-sort] {cursor: pointer; user-select: none}
table.wb-packets th[data-sort]:hover, table.wb-packets th[data-sort]:focus {background: #dde6f3}
table.wb-packets th[aria-sort="ascending"], table.wb-packets th[aria-sort="descending"] {background: #e3e9f2}
.wb-panel ul {margin: 2px 0 0 0; padding-left: 18px}
</style>"""


class Dashboard(Controls, Panels, widgets.VBox):
    """Filters and headline on top, the overview (brush a window) beside the source map, the
    detail chart beside the totals, link line and spoofing list, then the packets behind the
    selection (click a column header to sort, again to reverse, as in Wireshark) and their
    dissection.

        wb.Dashboard(cap, rep)
    """

    def __init__(self, capture, report, **kwargs):
        from workbench.analysis.report import Report

        expect(report, Report, "report", "wb.Dashboard", "a Report (wb.analyze)")
        if capture is not None and not hasattr(capture, "packets"):
            expect(capture, (), "capture", "wb.Dashboard", "a Capture (wb.load) or None")
        self.report = report
        self.capture = capture
        # a dataset's report carries its labelled packets lazily: the dashboard works without capture
        self.packets = report.packets if report.packets is not None else capture.packets
        bps = report.parameters.get("link_capacity_bps")
        self.state = DashboardState(capacity=format_rate(bps) if bps else "")
        self.spoofed = views.spoofed_vectors(report.sources)
        self._geography: pl.DataFrame | None = None
        self._hold, self._dirty = 0, False
        self._overview_key = self._map_key = None
        alt.JupyterChart.enable_offline()

        # SVG: crisp at any zoom, and each mark (its colour, its data) is in the page for tests
        svg = {"renderer": "svg", "actions": False}
        self.overview = alt.JupyterChart(
            viz.rates.message_chart("loading…", OVERVIEW_WIDTH, CHART_HEIGHT), embed_options=svg
        )
        self.detail = alt.JupyterChart(
            viz.rates.message_chart("loading…", OVERVIEW_WIDTH, CHART_HEIGHT), embed_options=svg
        )
        self.map = alt.JupyterChart(
            viz.rates.message_chart("loading…", MAP_WIDTH, MAP_HEIGHT), embed_options=svg
        )
        for chart, name in (
            (self.overview, "overview"),
            (self.detail, "detail"),
            (self.map, "map"),
        ):
            chart.add_class(f"wb-{name}")
        self._build_controls()
        self.headline = widgets.HTML(self._headline(), layout=widgets.Layout(width="100%"))
        self.headline.add_class("wb-headline")
        self._build_panels()
        self._wire()

        side = widgets.Layout(flex="1 1 380px", min_width="340px")
        right = widgets.VBox([self.totals, self.saturation_view, self.spoofing_view])
        map_box = widgets.VBox(
            [self.map, self.map_caption], layout=widgets.Layout(flex="0 1 auto", max_width="540px")
        )
        wrap = widgets.Layout(flex_flow="row wrap", align_items="flex-start", width="100%")
        table_bar = widgets.HBox([self.table_caption, self.dissect_button, self.save_button, self.save_view],
                                 layout=widgets.Layout(align_items="center", flex_flow="row wrap"))  # fmt: skip
        super().__init__(
            [widgets.HTML(STYLE), self.headline,
             widgets.HBox([self.vector_picker, self.phase_picker, self.target_picker, self.country_picker], layout=wrap),
             widgets.HBox([self.asn_picker, self.capacity_box, self.capacity_error, self.bin_picker, self.metric_picker],
                          layout=widgets.Layout(align_items="center", flex_flow="row wrap")),
             self.tag_bar,
             # two columns, each stacked tight (the map's caption is taller than the overview:
             # in rows, a gap opened under it); one column on a narrow screen
             widgets.HBox([widgets.VBox([self.overview, self.detail], layout=widgets.Layout(flex="0 1 auto")),
                           widgets.VBox([map_box, right], layout=side)], layout=wrap),
             table_bar, self.packet_table, self.dissect_view, self.message],
            **kwargs,
        )  # fmt: skip
        self.add_class("wb-dash")
        self.refresh()

    def _build_panels(self) -> None:
        """The text panels (totals, link line, spoofing, captions, packet table, dissection)."""
        self.totals = widgets.HTML()
        self.saturation_view = widgets.HTML()
        self.spoofing_view = widgets.HTML()
        self.map_caption = widgets.HTML()
        self.table_caption = widgets.HTML()
        self.packet_table = PacketTable()
        self.message = widgets.HTML()
        self.dissect_button = widgets.Button(
            description="dissect selection",
            tooltip="read the application layer of up to 100 packets per vector in the selection with tshark",
        )
        self.save_button = widgets.Button(
            description="save packets",
            tooltip="write the attack packets of the selection, as captured and each commented with"
            " its vector, to a pcapng file (Wireshark, tcpdump, Zeek open it)",
        )
        self.save_view = widgets.HTML()  # where the saved packets went, beside the button
        self.dissect_view = widgets.HTML()
        for panel, name in (
            (self.totals, "totals"),
            (self.saturation_view, "link"),
            (self.spoofing_view, "spoofing"),
            (self.map_caption, "map-caption"),
            (self.packet_table, "packets"),
            (self.table_caption, "packets-caption"),
            (self.dissect_view, "dissection"),
        ):
            panel.add_class("wb-panel")
            panel.add_class(f"wb-{name}")

    @contextmanager
    def _batch(self):
        """Several state changes, one redraw."""
        self._hold += 1
        try:
            yield
        finally:
            self._hold -= 1
            if not self._hold and self._dirty:
                self.refresh()

    def _changed(self) -> None:
        if self._hold:
            self._dirty = True
        else:
            self.refresh()

    def geography(self) -> pl.DataFrame:
        """Country and ASN of every source of the capture (looked up once, on first use)."""
        if self._geography is None:
            self._geography = views.source_geography(self.packets)
        return self._geography

    # ---- the panels -----------------------------------------------------------------------
    def _filters(self, skip=()) -> dict:
        geo = self.geography() if views.geo_filtered(self.state, skip) else None
        return {"geography": geo, "spoofed": self.spoofed, "skip": skip}

    def refresh(self) -> None:
        """Redraw every panel from the state: each panel shows the current selection or says it
        is empty, never the previous one."""
        self._dirty = False
        state = self.state
        self._draw_tags()
        self.message.value = ""
        self.save_view.value = ""  # it named the packets of the selection before
        problem = views.target_problem(state.target)
        if problem:
            self.message.value = f"<span class='wb-error'>{html_text(problem)}</span>"
        fine = views.selection_series(self.report.series, self.packets, state, **self._filters())
        selection_words = (
            "; ".join(text for _, text in self.active_filters()) or "the whole capture"
        )
        empty = fine.is_empty()
        self._draw_overview()
        bin_ms = views.effective_bin_ms(fine, state)
        if empty:
            self.detail.chart = viz.rates.message_chart(
                f"No traffic in this selection ({label(selection_words, 120)})",
                OVERVIEW_WIDTH,
                CHART_HEIGHT,
            )
        else:
            self.detail.chart = viz.rate_chart(
                fine, state.metric, bin_ms=bin_ms, width=OVERVIEW_WIDTH, height=CHART_HEIGHT,
                chart_title=f"Selection ({'bits/s' if state.metric == 'bps' else 'packets/s'}, {bin_ms} ms bins)",
            )  # fmt: skip
        self._draw_totals(fine, selection_words)
        self.saturation_view.value = self._saturation_text(fine)
        self._draw_spoofing(fine)
        self._draw_map()
        self._draw_packets()
        if self.dissect_view.value:
            self.dissect_view.value = empty_note(
                "The selection changed: press “dissect selection” to read its packets."
            )

    # ---- dissection -----------------------------------------------------------------------
    def dissect_selection(self, per_vector: int = 100) -> pl.DataFrame:
        """Application fields (tshark) of a sample of the attack packets under every filter."""
        from workbench.analysis.vector_table import RULES
        from workbench.dissection import dissect, select_packets

        if self.capture is None or not hasattr(self.capture, "meta"):
            self.dissect_view.value = empty_note(
                "Dissection reads the capture file: open the dashboard with the capture "
                "(wb.Dashboard(wb.load(path), report)); a dataset has only the packet frame."
            )
            return pl.DataFrame()
        frame = views.filtered_packets(self.packets, self.state, **self._filters()).collect()
        chosen = select_packets(frame, sample_per_vector=per_vector)
        if chosen.is_empty():
            self.dissect_view.value = empty_note("No attack packets in this selection to dissect.")
            return pl.DataFrame()
        try:
            fields = {name: rule.dissect for name, rule in RULES.items()}
            out = dissect(self.capture, chosen, fields_per_vector=fields, progress=False)
        except Exception as error:  # tshark missing, file moved: say so in the dashboard
            self.dissect_view.value = f"<span class='wb-error'>{html_text(error)}</span>"
            return pl.DataFrame()
        self.show_dissection(out)
        return out

    # ---- packets out ----------------------------------------------------------------------
    def save_packets(self, path=None):
        """Write the attack packets under every filter, as captured, to a pcapng file (``path``,
        else ``selection-<UTC time>.pcapng`` in the working folder); says where in the
        dashboard and returns the path (None when there was nothing to write)."""
        import time

        from workbench.export import pcap

        if self.capture is None or not hasattr(self.capture, "meta"):
            self.save_view.value = empty_note(
                "Saving packets copies them from the capture file: open the dashboard with the"
                " capture (wb.Dashboard(wb.load(path), report)); a dataset has only their fields."
            )
            return None
        frame = views.filtered_packets(self.packets, self.state, **self._filters()).collect()
        chosen = frame.filter(pl.col("vector").is_not_null()).select("packet", "vector")
        if chosen.is_empty():
            self.save_view.value = empty_note("No attack packets in this selection to save.")
            return None
        if path is None:
            path = f"selection-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.pcapng"
        try:
            written = pcap(self.capture, chosen, path, report=self.report, progress=False)
        except Exception as error:  # the file moved or changed, a folder not writable: say so
            self.save_view.value = f"<span class='wb-error'>{html_text(error)}</span>"
            return None
        link = ""
        if written.stat().st_size <= DOWNLOAD_MAX_BYTES:  # in the browser too (Voilà, Binder)
            data = base64.b64encode(written.read_bytes()).decode()
            link = (
                f" <a class='wb-download' download='{html_text(written.name)}'"
                f" href='data:application/octet-stream;base64,{data}'>download</a>"
            )
        self.save_view.value = (
            f"<span class='wb-saved'>wrote {chosen.height:,} attack packets of the selection to"
            f" {html_text(str(written))}</span>{link}"
        )
        return written

    @property
    def selected(self) -> pl.DataFrame:
        """The series currently shown in the detail view (for notebooks and tests)."""
        return views.selected_series(
            self.report.series, self.state, self.packets, **self._filters()
        )
