"""The interactive dashboard: ipywidgets + Altair over one Report.

Every choice of the analyst lives in one ``DashboardState``; every panel is redrawn from it by
``refresh`` (one place), so every filter reaches every view: the overview (all filters but the
window, which its brush shows), the detail chart, the totals, the link line, the map (all
filters but the country, which it shows picked), the spoofing list, the packet table and
"dissect selection". Text taken from the packets or the report is escaped for HTML, with
invisible and direction-changing characters made visible (``export.escaping``).
"""

from __future__ import annotations

from contextlib import contextmanager

import altair as alt
import ipywidgets as widgets
import polars as pl

from workbench import formatting as fmt
from workbench import viz
from workbench.analysis.capacity import format_rate
from workbench.analysis.series import LEGIT
from workbench.errors import expect
from workbench.export.escaping import clip, html_text, visible
from workbench.ui import views
from workbench.ui.state import DashboardState
from workbench.viz import geo as _geo  # noqa: F401  (viz.geo, viz.palette as attributes)
from workbench.viz import palette as _palette  # noqa: F401
from workbench.viz.palette import title as vector_title

OVERVIEW_WIDTH, CHART_HEIGHT, MAP_WIDTH, MAP_HEIGHT = 540, 150, 370, 190
# a picker's "all" entry (ipywidgets shows a None value as no choice at all, a blank box)
ALL = ""
ALL_PHASES = ALL_ASNS = -1
STYLE = """<style>
.wb-dash {font-size: 13px}
.wb-headline {font-size: 14px; margin: 0 0 4px 0; line-height: 1.4}
.wb-headline b {font-weight: 600}
.wb-tags {align-items: center; flex-wrap: wrap; min-height: 32px}
.wb-tag button, button.wb-tag {background: #e8eef7; border: 1px solid #9db3d6; border-radius: 12px;
  height: 24px; line-height: 22px; font-size: 12px; padding: 0 10px}
.wb-empty {color: #777; font-style: italic}
.wb-error {color: #b00020}
.wb-invalid input {border-color: #b00020 !important; background: #fff4f4}
table.wb-packets {border-collapse: collapse; font: 12px/1.3 ui-monospace, Menlo, Consolas, monospace}
table.wb-packets th {text-align: left; background: #f0f0f0; padding: 2px 6px; white-space: nowrap}
table.wb-packets td {padding: 1px 6px; border-top: 1px solid #eee; white-space: nowrap;
  max-width: 420px; overflow: hidden; text-overflow: ellipsis}
table.wb-packets tr.wb-attack td:first-child {border-left: 3px solid #e15759}
.wb-panel ul {margin: 2px 0 0 0; padding-left: 18px}
</style>"""


def _label(text: object, limit: int = 90) -> str:
    """Text for a widget label (picker option, tag): cut, invisible characters made visible."""
    return visible(clip(str(text), limit))


def table_html(frame: pl.DataFrame, *, sort: str | None = None, descending: bool = False,
               attack_rows: list[bool] | None = None) -> str:  # fmt: skip
    """An HTML table of any frame, every cell escaped (packet-derived text is hostile)."""
    marks = {sort: " ▼" if descending else " ▲"} if sort else {}
    head = "".join(f"<th>{html_text(c)}{marks.get(c, '')}</th>" for c in frame.columns)
    body = []
    for i, row in enumerate(frame.iter_rows()):
        cls = " class='wb-attack'" if attack_rows and attack_rows[i] else ""
        cells = "".join(f"<td>{'' if v is None else html_text(v)}</td>" for v in row)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table class='wb-packets'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _empty(text: str) -> str:
    return f"<span class='wb-empty'>{html_text(text)}</span>"


class Dashboard(widgets.VBox):
    """Filters and headline on top, the overview (brush a window) beside the source map, the
    detail chart beside the totals, link line and spoofing list, then the packets behind the
    selection (sortable, as in Wireshark) and their dissection.

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
        self.table_sort, self.table_descending = "No.", False
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
        self.totals = widgets.HTML()
        self.saturation_view = widgets.HTML()
        self.spoofing_view = widgets.HTML()
        self.map_caption = widgets.HTML()
        self.table_caption = widgets.HTML()
        self.packet_table = widgets.HTML()
        self.message = widgets.HTML()
        self.dissect_button = widgets.Button(
            description="dissect selection",
            tooltip="read the application layer of up to 100 packets per vector in the selection with tshark",
        )
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
        self._wire()

        side = widgets.Layout(flex="1 1 380px", min_width="340px")
        right = widgets.VBox([self.totals, self.saturation_view, self.spoofing_view], layout=side)
        map_box = widgets.VBox(
            [self.map, self.map_caption], layout=widgets.Layout(flex="0 1 auto", max_width="540px")
        )
        wrap = widgets.Layout(flex_flow="row wrap", align_items="flex-start", width="100%")
        table_bar = widgets.HBox([self.table_caption, self.sort_picker, self.sort_direction, self.dissect_button],
                                 layout=widgets.Layout(align_items="center", flex_flow="row wrap"))  # fmt: skip
        super().__init__(
            [widgets.HTML(STYLE), self.headline,
             widgets.HBox([self.vector_picker, self.phase_picker, self.target_picker, self.country_picker], layout=wrap),
             widgets.HBox([self.asn_picker, self.capacity_box, self.capacity_error, self.bin_picker, self.metric_picker],
                          layout=widgets.Layout(align_items="center", flex_flow="row wrap")),
             self.tag_bar,
             widgets.HBox([self.overview, map_box], layout=wrap),
             widgets.HBox([self.detail, right], layout=wrap),
             table_bar, self.packet_table, self.dissect_view, self.message],
            **kwargs,
        )  # fmt: skip
        self.add_class("wb-dash")
        self.refresh()

    # ---- controls -------------------------------------------------------------------------
    def _build_controls(self) -> None:
        report = self.report
        present = report.series["vector"].unique().to_list() if not report.series.is_empty() else []
        vectors = viz.palette.stack_order(present)
        narrow = {"description_width": "52px"}
        self.vector_picker = widgets.Dropdown(
            options=[("all vectors", ALL)] + [(_label(vector_title(v)), v) for v in vectors],
            value=ALL, description="vector", style=narrow, layout=widgets.Layout(width="250px"),
        )  # fmt: skip
        self.phase_picker = widgets.Dropdown(
            options=[("all phases", ALL_PHASES)] + [(self._phase_label(p), p["index"]) for p in report.phases],
            value=ALL_PHASES, description="phase", style=narrow, layout=widgets.Layout(width="420px"),
        )  # fmt: skip
        targets = [t.get("prefix") or t.get("address") for t in report.targets]
        self.target_picker = widgets.Dropdown(
            options=[("all targets", ALL)] + [(_label(t, 48), t) for t in targets if t],
            value=ALL, description="target", style=narrow, layout=widgets.Layout(width="250px"),
        )  # fmt: skip
        names = dict(viz.geo.iso_codes().select("iso2", "name").iter_rows())
        countries = [c for c in report.sources.get("countries", []) if c.get("country") in names]
        self.country_picker = widgets.Dropdown(
            options=[("all countries", ALL)]
            + [(_label(f"{c['country']} {names[c['country']]} ({fmt.count(c.get('unique_sources'))} sources)"), c["country"])
               for c in countries],
            value=ALL, description="country", style=narrow, layout=widgets.Layout(width="270px"),
        )  # fmt: skip
        asns = [a for a in report.sources.get("asns", []) if a.get("asn") is not None]
        self.asn_picker = widgets.Dropdown(
            options=[("all ASNs", ALL_ASNS)]
            + [(_label(f"AS{a['asn']} {a.get('as_org') or ''} ({a.get('country') or '?'})", 48), int(a["asn"]))
               for a in asns],
            value=ALL_ASNS, description="ASN", style=narrow, layout=widgets.Layout(width="270px"),
        )  # fmt: skip
        self.capacity_box = widgets.Text(
            value=self.state.capacity, description="link", placeholder="10G", continuous_update=False,
            tooltip="link capacity: applied on Enter or when the box loses focus",
            style=narrow, layout=widgets.Layout(width="170px"),
        )  # fmt: skip
        self.capacity_error = widgets.HTML()
        self.bin_picker = widgets.Dropdown(
            options=[("100 ms", 100), ("1 s", 1000), ("10 s", 10000)], value=1000, description="bin",
            style={"description_width": "30px"}, layout=widgets.Layout(width="130px"),
        )  # fmt: skip
        self.metric_picker = widgets.ToggleButtons(
            options=[("bits/s", "bps"), ("packets/s", "pps")], value="bps",
            style={"button_width": "80px"},
        )  # fmt: skip
        self.sort_picker = widgets.Dropdown(
            options=list(views.SORT_KEYS), value="No.", description="sort by",
            layout=widgets.Layout(width="190px"), style=narrow,
        )  # fmt: skip
        self.sort_direction = widgets.ToggleButton(
            value=False, description="descending", icon="sort-amount-desc",
            layout=widgets.Layout(width="120px"),
        )  # fmt: skip
        self.clear_button = widgets.Button(
            description="clear all", layout=widgets.Layout(width="auto")
        )
        self.tag_bar = widgets.HBox(
            layout=widgets.Layout(flex_flow="row wrap", align_items="center")
        )
        self.tag_bar.add_class("wb-tags")

    def _phase_label(self, phase: dict) -> str:
        words = ", ".join(vector_title(v) for v in phase.get("vectors", []))
        span = f"{fmt.clock(phase['start'], 0)}–{fmt.clock(phase['end'], 0)}"
        return _label(
            f"{phase['index']} · {phase['kind']} {span}{' · ' + words if words else ''}", 110
        )

    def _headline(self) -> str:
        capture, report = self.report.capture, self.report
        files = [str(p).replace("\\", "/").rsplit("/", 1)[-1] for p in capture.get("paths", [])]
        name = (
            files[0] + (f" (+{len(files) - 1} files)" if len(files) > 1 else "")
            if files
            else "capture"
        )
        parts = [f"<b>{html_text(name)}</b>"]
        if capture.get("start") and capture.get("end"):
            seconds = (fmt._ns(capture["end"]) - fmt._ns(capture["start"])) / 1e9
            parts.append(
                f"{html_text(fmt.window(capture['start'], capture['end']))} ({fmt.duration(seconds)})"
            )
        parts.append(
            f"{fmt.count(capture.get('packets'))} packets, {fmt.size(capture.get('bytes') or 0)}"
        )
        kinds = [p["kind"] for p in report.phases]
        attack, mitigated = kinds.count("attack"), kinds.count("mitigated")
        parts.append(f"<b>{attack} attack phase{'s' if attack != 1 else ''}</b>"
                     + (f" (+{mitigated} mitigated)" if mitigated else ""))  # fmt: skip
        parts.append(f"{len(report.vectors)} vectors, {len(report.targets)} targets")
        if self.spoofed:
            parts.append(f"spoofed: {html_text(', '.join(vector_title(v) for v in self.spoofed))}")
        return " · ".join(parts)

    def _wire(self) -> None:
        link, dlink = widgets.link, widgets.dlink
        for picker, name in ((self.vector_picker, "vector"), (self.target_picker, "target")):
            dlink((picker, "value"), (self.state, name), lambda v: v or None)
            dlink((self.state, name), (picker, "value"), lambda v: v or ALL)
        link((self.bin_picker, "value"), (self.state, "bin_ms"))
        link((self.metric_picker, "value"), (self.state, "metric"))
        self.phase_picker.observe(self._on_phase, "value")
        self.country_picker.observe(lambda c: self._set_country(c["new"] or None), "value")
        self.asn_picker.observe(
            lambda c: self._set_asn(None if c["new"] == ALL_ASNS else c["new"]), "value"
        )
        self.state.observe(self._on_state_phase, "phase")
        self.state.observe(self._on_state_geo, ["country", "asn"])
        self.capacity_box.observe(self._on_capacity, "value")
        self.sort_picker.observe(self._on_sort, "value")
        self.sort_direction.observe(self._on_sort, "value")
        self.dissect_button.on_click(lambda _: self.dissect_selection())
        self.clear_button.on_click(lambda _: self.clear_filters())
        self.state.observe(
            lambda _: self._changed(),
            [
                "window",
                "vector",
                "target",
                "country",
                "asn",
                "bin_ms",
                "metric",
                "capacity",
                "phase",
            ],
        )

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

    def _on_phase(self, change) -> None:
        index = None if change["new"] == ALL_PHASES else change["new"]
        if index == self.state.phase:
            return  # the picker following the state
        with self._batch():
            self.state.phase = index
            self.state.window = (
                None if index is None else views.phase_window(self.report.phases, index)
            )

    def _on_state_phase(self, change) -> None:
        value = ALL_PHASES if change["new"] is None else change["new"]
        if self.phase_picker.value != value:
            self.phase_picker.value = value

    def _on_state_geo(self, change) -> None:
        picker, empty = (
            (self.country_picker, ALL)
            if change["name"] == "country"
            else (self.asn_picker, ALL_ASNS)
        )
        value = empty if change["new"] is None else change["new"]
        if value not in [v for _, v in picker.options]:
            picker.options = [*picker.options, (_label(value), value)]
        picker.value = value

    def _set_country(self, iso2: str | None) -> None:
        if iso2 == self.state.country:
            return
        self.geography()  # geolocate the sources once, before the filter needs them
        self.state.country = iso2

    def _set_asn(self, asn: int | None) -> None:
        if asn == self.state.asn:
            return
        self.geography()
        self.state.asn = asn

    def geography(self) -> pl.DataFrame:
        """Country and ASN of every source of the capture (looked up once, on first use)."""
        if self._geography is None:
            self._geography = views.source_geography(self.packets)
        return self._geography

    def _on_capacity(self, change) -> None:
        from workbench.analysis.capacity import parse_rate

        try:
            parse_rate(change["new"])
        except Exception as error:  # said beside the box; the state keeps the last good value
            self.capacity_error.value = f"<span class='wb-error'>{html_text(error)}</span>"
            self.capacity_box.add_class("wb-invalid")
            return
        self.capacity_error.value = ""
        self.capacity_box.remove_class("wb-invalid")
        self.state.capacity = change["new"]

    def _on_sort(self, _change) -> None:
        self.table_sort, self.table_descending = self.sort_picker.value, self.sort_direction.value
        self.refresh()

    def _attach_selections(self) -> None:
        # a new chart brings a new Selections object: observe it again
        self.overview.selections.observe(self._on_brush, "brush")
        self.map.selections.observe(self._on_map_pick, "country")

    def _on_brush(self, change) -> None:
        value = getattr(change["new"], "value", None) or {}
        span = value.get("ts") if isinstance(value, dict) else None
        window = None
        if span and len(span) == 2:
            bounds = pl.Series([int(span[0]), int(span[1])]).cast(pl.Int64) * 1_000_000
            window = tuple(bounds.cast(pl.Datetime("ns", "UTC")).to_list())
        if _same_window(window, self.state.window):
            return  # the brush redrawn where the state already is
        with self._batch():
            self.state.phase = None
            self.state.window = window

    def _on_map_pick(self, change) -> None:
        value = getattr(change["new"], "value", None) or []
        picked = value[0].get("iso2") if value and isinstance(value[0], dict) else None
        self._set_country(picked)

    def clear_filters(self) -> None:
        """Remove every filter (the "clear all" of the filter bar)."""
        with self._batch():
            self.state.phase = None
            self.state.window = None
            self.state.vector = None
            self.state.target = None
            self.state.country = None
            self.state.asn = None

    def clear_filter(self, name: str) -> None:
        """Remove one filter (a tag's ✕): ``window``, ``phase``, ``vector``, ``target``, ``country``, ``asn``."""
        with self._batch():
            if name in ("window", "phase"):
                self.state.phase = None
                self.state.window = None
            else:
                setattr(self.state, name, None)

    # ---- the filter bar -------------------------------------------------------------------
    def active_filters(self) -> list[tuple[str, str]]:
        """(filter, how it reads) for every active filter, in the order the bar shows them."""
        state, tags = self.state, []
        if state.vector:
            tags.append(("vector", f"vector: {vector_title(state.vector)}"))
        if state.phase is not None:
            phase = next((p for p in self.report.phases if p["index"] == state.phase), None)
            kind = f" {phase['kind']}" if phase else ""
            tags.append(("phase", f"phase {state.phase}{kind}"))
        elif state.window is not None:
            start, end = (fmt._ns(t) for t in state.window)
            tags.append(("window", f"time: {fmt.clock(start)} – {fmt.clock(end)}"))
        if state.target:
            tags.append(("target", f"target: {state.target}"))
        if state.country:
            tags.append(("country", f"source country: {state.country}"))
        if state.asn is not None:
            tags.append(("asn", f"source ASN: AS{state.asn}"))
        return tags

    def _draw_tags(self) -> None:
        buttons = []
        for name, text in self.active_filters():
            tag = widgets.Button(description=f"{_label(text, 70)}  ✕", tooltip=f"remove this filter ({name})",
                                 layout=widgets.Layout(width="auto"))  # fmt: skip
            tag.add_class("wb-tag")
            tag.on_click(lambda _b, name=name: self.clear_filter(name))
            buttons.append(tag)
        lead = widgets.HTML("<b>Filters:</b>" if buttons else "<span class='wb-empty'>No filters: the whole capture. Pick a vector, phase, target, country or ASN, or brush the overview.</span>")  # fmt: skip
        self.tag_bar.children = [lead, *buttons, *([self.clear_button] if buttons else [])]

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
                f"No traffic in this selection ({_label(selection_words, 120)})",
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
            self.dissect_view.value = _empty(
                "The selection changed: press “dissect selection” to read its packets."
            )

    def _draw_overview(self) -> None:
        state = self.state
        window_ms = None
        if state.window is not None:
            window_ms = tuple(fmt._ns(t) // 1_000_000 for t in state.window)
        # a picked phase is drawn as the brush; a brushed window is already drawn by the brush
        brushed = window_ms if state.phase is not None else ("brush" if window_ms else None)
        key = (state.vector, state.target, state.country, state.asn, state.metric, brushed)
        if key == self._overview_key:
            return
        self._overview_key = key
        fine = views.selection_series(
            self.report.series, self.packets, state, **self._filters(skip=("window",))
        )
        if fine.is_empty():
            chart = viz.rates.message_chart(
                "No traffic for these filters", OVERVIEW_WIDTH, CHART_HEIGHT
            )
        else:
            chart = viz.rate_chart(fine, state.metric, brush=True, width=OVERVIEW_WIDTH, height=CHART_HEIGHT,
                                   brush_window=window_ms, chart_title="Overview: brush a time window")  # fmt: skip
        self.overview.chart = chart
        self._attach_selections()

    def _draw_totals(self, fine: pl.DataFrame, selection_words: str) -> None:
        if fine.is_empty():
            self.totals.value = "<b>In the selection:</b> " + _empty(
                f"no packets ({selection_words})."
            )
            return
        totals = views.vector_totals(fine)
        items = "".join(
            f"<li><span style='color:{viz.palette.colour(v)}'>■</span> {html_text(vector_title(v))}: "
            f"{fmt.count(p)} packets, {fmt.size(b)}</li>"
            for v, p, b in totals.select("vector", "packets", "bytes").iter_rows()
        )
        all_packets, all_bytes = int(totals["packets"].sum()), int(totals["bytes"].sum())
        self.totals.value = (
            f"<b>In the selection:</b> {fmt.count(all_packets)} packets, {fmt.size(all_bytes)}"
            f"<ul class='wb-vector-totals'>{items}</ul>"
        )

    def _draw_spoofing(self, fine: pl.DataFrame) -> None:
        spoof = self.report.sources.get("spoofing", {})
        present = (
            [v for v in fine["vector"].unique().to_list() if v != LEGIT]
            if not fine.is_empty()
            else []
        )
        rows = views.spoofing_rows(spoof, present)
        if not rows:
            self.spoofing_view.value = "<b>Spoofing:</b> " + _empty(
                "no attack vectors in this selection."
            )
            return
        items = "".join(
            f"<li><b>{html_text(vector_title(r['vector']))}</b>: {html_text(r.get('verdict', ''))}"
            f" <span title='{html_text(r.get('evidence', ''))}'>({fmt.count(r.get('unique_sources'))} sources)</span></li>"
            for r in rows
        )  # fmt: skip
        self.spoofing_view.value = f"<b>Spoofing in the selection:</b><ul>{items}</ul>"

    def _draw_map(self) -> None:
        from workbench.enrich import attribution

        state = self.state
        lazy = views.filtered_packets(self.packets, state, **self._filters(skip=("country",)))
        countries = views.source_countries(lazy, self.geography(), self.spoofed)
        spoofed_packets = views.spoofed_packets(lazy, self.spoofed)
        key = (tuple(countries.iter_rows()), state.country)
        if key != self._map_key:
            self._map_key = key
            shown = (
                countries.filter(pl.col("country") == state.country) if state.country else countries
            )
            located = int(shown["unique_sources"].sum()) if not shown.is_empty() else 0
            sent = int(shown["packets"].sum()) if not shown.is_empty() else 0
            title = (f"Sources in {state.country}: {fmt.count(located)} ({fmt.count(sent)} packets)" if state.country
                     else f"Sources by country: {fmt.count(located)} located ({fmt.count(sent)} packets)")  # fmt: skip
            self.map.chart = viz.geo.source_map(
                countries, attribution=attribution()["text"], width=MAP_WIDTH, height=MAP_HEIGHT,
                selected=state.country, chart_title=title,
            )  # fmt: skip
            self._attach_selections()
        shown = countries.filter(pl.col("country") == state.country) if state.country else countries
        if shown.is_empty():
            caption = _empty("No located sources in this selection.")
        else:
            top = ", ".join(
                f"{html_text(c)} {fmt.count(n)}" for c, n in shown.head(6).select("country", "unique_sources").iter_rows()
            )  # fmt: skip
            caption = f"<span class='wb-map-countries'>Sources: {top}{' …' if shown.height > 6 else ''}</span>"
        if spoofed_packets:
            caption += (
                f"<br><span class='wb-warning'>⚠ {fmt.count(spoofed_packets)} packets of spoofed vectors left out"
                " of the map and of the country and ASN filters: their source addresses are forged.</span>"
            )
        self.map_caption.value = caption

    def _draw_packets(self) -> None:
        state = self.state
        lazy = views.filtered_packets(self.packets, state, **self._filters())
        attack_first = views.is_attack_selection(state, self.report.phases)
        rows, total = views.packet_rows(
            lazy, sort=self.table_sort, descending=self.table_descending, attack_first=attack_first
        )
        if total == 0:
            self.table_caption.value = "<b>Packets behind the selection:</b> none"
            self.packet_table.value = _empty("No packets match this selection.")
            return
        order = "attack packets first, " if attack_first else ""
        self.table_caption.value = (
            f"<b>Packets behind the selection:</b> <span class='wb-total'>{fmt.count(total)}</span> match"
            f" (the first {rows.height} shown, {order}by {html_text(self.table_sort)})"
        )
        self.packet_table.value = table_html(
            rows, sort=self.table_sort, descending=self.table_descending,
            attack_rows=[v != "legitimate" for v in rows["Vector"].to_list()],
        )  # fmt: skip

    def _saturation_text(self, fine: pl.DataFrame) -> str:
        from workbench.analysis.capacity import parse_rate

        if not self.state.capacity:
            return "<b>Link:</b> " + _empty("enter a link capacity (e.g. 10G) to see utilisation.")
        capacity = parse_rate(self.state.capacity)
        peak = views.peak_bps(fine, self.state.bin_ms)
        if peak is None:
            return f"<b>Link {fmt.bit_rate(capacity)}:</b> " + _empty(
                "no traffic in this selection."
            )
        return (
            f"<b>Link {fmt.bit_rate(capacity)}:</b> the selection peaks at {fmt.bit_rate(peak)}"
            f" = {fmt.percent(peak / capacity)} of the link ({self.state.bin_ms:,} ms bins)"
        )

    # ---- dissection -----------------------------------------------------------------------
    def dissect_selection(self, per_vector: int = 100) -> pl.DataFrame:
        """Application fields (tshark) of a sample of the attack packets under every filter."""
        from workbench.analysis.vector_table import RULES
        from workbench.dissection import dissect, select_packets

        if self.capture is None or not hasattr(self.capture, "meta"):
            self.dissect_view.value = _empty(
                "Dissection reads the capture file: open the dashboard with the capture "
                "(wb.Dashboard(wb.load(path), report)); a dataset has only the packet frame."
            )
            return pl.DataFrame()
        frame = views.filtered_packets(self.packets, self.state, **self._filters()).collect()
        chosen = select_packets(frame, sample_per_vector=per_vector)
        if chosen.is_empty():
            self.dissect_view.value = _empty("No attack packets in this selection to dissect.")
            return pl.DataFrame()
        try:
            fields = {name: rule.dissect for name, rule in RULES.items()}
            out = dissect(self.capture, chosen, fields_per_vector=fields, progress=False)
        except Exception as error:  # tshark missing, file moved: say so in the dashboard
            self.dissect_view.value = f"<span class='wb-error'>{html_text(error)}</span>"
            return pl.DataFrame()
        self.show_dissection(out)
        return out

    def show_dissection(self, dissected: pl.DataFrame, rows: int = 50) -> None:
        """Show dissected packets (tshark fields: DNS names, URIs, user agents, all escaped)."""
        shown = dissected.select(
            [c for c in dissected.columns if dissected[c].null_count() < dissected.height]
        ).head(rows)
        self.dissect_view.value = table_html(shown)

    @property
    def selected(self) -> pl.DataFrame:
        """The series currently shown in the detail view (for notebooks and tests)."""
        return views.selected_series(
            self.report.series, self.state, self.packets, **self._filters()
        )


def _same_window(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return all(abs(fmt._ns(x) - fmt._ns(y)) < 1_000_000 for x, y in zip(a, b, strict=True))
