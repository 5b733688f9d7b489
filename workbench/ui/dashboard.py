"""The interactive dashboard: ipywidgets + Altair over one Report."""

from __future__ import annotations

import html

import altair as alt
import ipywidgets as widgets
import polars as pl

from workbench import viz
from workbench.analysis.capacity import format_rate
from workbench.ui import views
from workbench.ui.state import DashboardState


def _table_html(frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.iter_rows()
    )
    return f"<table class='wb-packets'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


class Dashboard(widgets.VBox):
    """Overview with a brush, phase table, vector/target pickers, capacity and bin size, spoofing,
    saturation and the packets behind the selection.

        wb.Dashboard(cap, rep)
    """

    def __init__(self, capture, report, **kwargs):
        self.report = report
        # a dataset's report carries its labelled packets lazily: the dashboard works without capture
        self.packets = report.packets if report.packets is not None else capture.packets
        # the capacity the report used: one rate for all, or the sum of the mapped links
        bps = report.parameters.get("link_capacity_bps")
        self.state = DashboardState(capacity=format_rate(bps) if bps else "")
        alt.JupyterChart.enable_offline()
        from workbench.enrich import attribution
        from workbench.viz.geo import source_map

        self.map = alt.JupyterChart(
            source_map(
                report.sources.get("countries", []),
                attribution=attribution()["text"],
                width=560,
                height=280,
            )
        )
        self._source_countries: pl.DataFrame | None = None
        phases = report.phases
        vectors = (
            sorted(report.series["vector"].unique().to_list())
            if not report.series.is_empty()
            else []
        )
        targets = [t.get("prefix") or t["address"] for t in report.targets]
        self.overview = alt.JupyterChart(
            viz.rate_chart(report.series, brush=True, width=700, height=180)
        )
        self.detail = alt.JupyterChart(viz.rate_chart(report.series, width=700, height=160))
        self.phase_picker = widgets.Select(
            options=[("all phases", None)] + [(f"{p['index']}: {p['kind']} {p['start'][11:19]}-{p['end'][11:19]} {', '.join(p['vectors'])}", p["index"]) for p in phases],
            value=None, rows=min(8, len(phases) + 1), description="phase", layout=widgets.Layout(width="700px"),
        )  # fmt: skip
        self.vector_picker = widgets.Dropdown(
            options=[("all", None)] + [(v, v) for v in vectors], value=None, description="vector"
        )
        self.target_picker = widgets.Dropdown(
            options=[("all", None)] + [(t, t) for t in targets], value=None, description="target"
        )
        self.capacity_box = widgets.Text(
            value=self.state.capacity, description="link", placeholder="10G"
        )
        self.bin_picker = widgets.Dropdown(
            options=[("100 ms", 100), ("1 s", 1000), ("10 s", 10000)], value=1000, description="bin"
        )
        self.metric_picker = widgets.ToggleButtons(
            options=[("bits/s", "bps"), ("packets/s", "pps")], value="bps"
        )
        self.totals = widgets.HTML()
        self.packet_table = widgets.HTML()
        self.saturation_view = widgets.HTML()
        self.message = widgets.HTML()
        self.dissect_button = widgets.Button(
            description="dissect selection",
            tooltip="read the application layer of up to 100 packets per vector in the selection with tshark",
        )
        self.dissect_view = widgets.HTML()
        self.capture = capture
        spoof = report.sources["spoofing"]
        self.spoofing_view = widgets.HTML(
            f"<b>Spoofing:</b> {html.escape(spoof['verdict'])}<ul>"
            + "".join(
                f"<li><b>{html.escape(p['vector'])}</b>: {html.escape(p['verdict'])}</li>"
                for p in spoof["per_vector"]
            )
            + "</ul>"
        )
        self._wire()
        controls = widgets.HBox(
            [self.vector_picker, self.target_picker, self.capacity_box, self.bin_picker]
        )
        super().__init__(
            [widgets.HTML(f"<h3>{html.escape(report.summary())}</h3>"), self.overview, self.phase_picker, controls,
             self.metric_picker, self.detail, self.totals, self.saturation_view, self.spoofing_view, self.map,
             widgets.HTML("<b>Packets behind the selection</b>"), self.packet_table, self.dissect_button, self.dissect_view, self.message],
            **kwargs,
        )  # fmt: skip
        self.refresh()

    def _wire(self) -> None:
        link = widgets.link
        link((self.vector_picker, "value"), (self.state, "vector"))
        link((self.target_picker, "value"), (self.state, "target"))
        link((self.bin_picker, "value"), (self.state, "bin_ms"))
        link((self.metric_picker, "value"), (self.state, "metric"))
        self.phase_picker.observe(self._on_phase, "value")
        self.dissect_button.on_click(lambda _: self.dissect_selection())
        self.capacity_box.observe(self._on_capacity, "value")
        self.overview.selections.observe(self._on_brush, "brush")
        self.map.selections.observe(self._on_country, "country")
        self.state.observe(
            lambda _: self.refresh(),
            ["window", "vector", "target", "country", "bin_ms", "metric", "capacity"],
        )

    def _on_phase(self, change) -> None:
        self.state.phase = change["new"]
        self.state.window = (
            None if change["new"] is None else views.phase_window(self.report.phases, change["new"])
        )

    def _on_country(self, change) -> None:
        value = getattr(change["new"], "value", None) or []
        picked = value[0].get("iso2") if value and isinstance(value[0], dict) else None
        if picked and self._source_countries is None:  # geolocate the sources once, on first use
            from workbench.enrich import geolocate

            sources = self.packets.lazy().select(pl.col("src").unique()).collect(engine="streaming")
            self._source_countries = geolocate(sources["src"]).select(
                pl.col("address").alias("src"), "country"
            )
        self.state.country = picked

    def _on_capacity(self, change) -> None:
        from workbench.analysis.capacity import parse_rate

        try:
            parse_rate(change["new"])
        except Exception as error:  # shown to the analyst, state unchanged
            self.message.value = f"<span style='color:#b00'>{html.escape(str(error))}</span>"
            return
        self.message.value = ""
        self.state.capacity = change["new"]

    def _on_brush(self, change) -> None:
        value = getattr(change["new"], "value", None) or {}
        span = value.get("ts") if isinstance(value, dict) else None
        if span and len(span) == 2:
            bounds = pl.Series([int(span[0]), int(span[1])]).cast(pl.Int64) * 1_000_000
            self.state.window = tuple(bounds.cast(pl.Datetime("ns", "UTC")).to_list())
        else:
            self.state.window = None

    def refresh(self) -> None:
        """Recompute every view from the state (pre-aggregated series; first packet rows only)."""
        state = self.state
        selected, bin_ms = views.selection(self.report.series, state)
        if not selected.is_empty():
            self.detail.chart = viz.rate_chart(
                selected.select("ts", "vector", "packets", "bytes"),
                state.metric,
                bin_ms=bin_ms,
                width=700,
                height=160,
            )
        totals = views.vector_totals(self.report.series, state)
        self.totals.value = "<b>In the selection:</b> " + ", ".join(
            f"{v}: {b / 1e6:,.1f} MB"
            for v, b in zip(totals["vector"], totals["bytes"], strict=True)
        )
        self.packet_table.value = _table_html(
            views.packet_rows(self.packets, state, source_countries=self._source_countries)
        )
        self.saturation_view.value = self._saturation_text()

    def _saturation_text(self) -> str:
        from workbench.analysis.capacity import parse_rate

        if not self.state.capacity:
            return "<i>Enter a link capacity (e.g. 10G) to see utilisation.</i>"
        capacity = parse_rate(self.state.capacity)
        part = views.selected_series(
            self.report.series.with_columns(vector=pl.lit("all")), self.state
        )
        if part.is_empty():
            return ""
        peak = float(part["bps"].max())
        return f"<b>Link {capacity / 1e6:,.1f} Mbit/s:</b> peak {peak / 1e6:,.2f} Mbit/s = {peak / capacity:.0%} at {self.state.bin_ms} ms bins"

    def dissect_selection(self, per_vector: int = 100) -> pl.DataFrame:
        """Application fields (tshark) of a sample of the attack packets under the current selection."""
        from workbench.dissection import dissect, select_packets

        state = self.state
        if self.capture is None or not hasattr(self.capture, "meta"):
            self.dissect_view.value = (
                "<i>Dissection reads the capture file: open the dashboard with the capture "
                "(wb.Dashboard(wb.load(path), report)); a dataset has only the packet frame.</i>"
            )
            return pl.DataFrame()
        frame = self.packets
        if state.vector and state.vector != "legit":
            frame = frame.with_columns(
                vector=pl.when(pl.col("vector") == state.vector).then(pl.col("vector"))
            )
        window = state.window or (None, None)
        chosen = select_packets(frame, sample_per_vector=per_vector, start=window[0], end=window[1])
        try:
            out = dissect(self.capture, chosen, progress=False)
        except Exception as error:  # tshark missing, file moved: say so in the dashboard
            self.dissect_view.value = f"<span style='color:#b00'>{html.escape(str(error))}</span>"
            return pl.DataFrame()
        shown = out.select([c for c in out.columns if out[c].null_count() < out.height]).head(50)
        self.dissect_view.value = _table_html(shown)
        return out

    @property
    def selected(self) -> pl.DataFrame:
        """The series currently shown in the detail view (for notebooks and tests)."""
        return views.selected_series(self.report.series, self.state)
