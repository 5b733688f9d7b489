"""The dashboard's panels, each redrawn from the state by ``Dashboard.refresh``: overview and
detail charts, totals, link line, spoofing list, map and packet table (a mixin of ``Dashboard``)."""

from __future__ import annotations

import anywidget
import polars as pl
import traitlets

from workbench import formatting as fmt
from workbench import viz
from workbench.analysis.series import LEGIT
from workbench.export.escaping import html_text
from workbench.ui import views
from workbench.viz import geo as _geo  # noqa: F401  (viz.geo, viz.palette as attributes)
from workbench.viz import palette as _palette  # noqa: F401
from workbench.viz.palette import title as vector_title

OVERVIEW_WIDTH, CHART_HEIGHT, MAP_WIDTH, MAP_HEIGHT = 540, 150, 370, 190


def empty_note(text: str) -> str:
    return f"<span class='wb-empty'>{html_text(text)}</span>"


def table_html(frame: pl.DataFrame, *, sort: str | None = None, descending: bool = False,
               sortable: tuple[str, ...] = (), attack_rows: list[bool] | None = None) -> str:  # fmt: skip
    """An HTML table of any frame, every cell escaped (packet-derived text is hostile). The
    ``sortable`` columns' headers carry ``data-sort`` (a click sorts by them: ``PacketTable``);
    the sorted one shows ▲ or ▼."""
    head = []
    for column in frame.columns:
        text, attrs = html_text(column), ""
        if column in sortable:
            order = "none"
            if column == sort:
                text += " ▼" if descending else " ▲"
                order = "descending" if descending else "ascending"
            attrs = (f" data-sort='{html_text(column)}' aria-sort='{order}' tabindex='0'"
                     f" title='sort by {html_text(column)} (again: reverse)'")  # fmt: skip
        head.append(f"<th{attrs}>{text}</th>")
    body = []
    for i, row in enumerate(frame.iter_rows()):
        cls = " class='wb-attack'" if attack_rows and attack_rows[i] else ""
        cells = "".join(f"<td>{'' if v is None else html_text(v)}</td>" for v in row)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table class='wb-packets'><thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class PacketTable(anywidget.AnyWidget):
    """The packet table: shows ``value`` (HTML escaped in Python by ``table_html``) and reports a
    click (or Enter) on a sortable header as the message ``{"sort": column}``; what the click
    does is the dashboard's choice (``Controls.sort_table``), kept in its state."""

    value = traitlets.Unicode("").tag(sync=True)
    _esm = """
    function render({ model, el }) {
      const draw = () => { el.innerHTML = model.get("value"); };
      const pick = (event) => {
        const header = event.target.closest("th[data-sort]");
        if (!header || !el.contains(header)) return;
        if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
        event.preventDefault();
        model.send({ sort: header.dataset.sort });
      };
      el.addEventListener("click", pick);
      el.addEventListener("keydown", pick);
      model.on("change:value", draw);
      draw();
      return () => model.off("change:value", draw);
    }
    export default { render };
    """


class Panels:
    """Drawing each panel from the filtered packets and series."""

    def _draw_overview(self) -> None:
        state = self.state
        window_ms = None
        if state.window is not None:
            window_ms = tuple(fmt.to_ns(t) // 1_000_000 for t in state.window)
        # a picked phase is drawn as the brush; a brushed window is already drawn by the brush
        brushed = window_ms if state.phase is not None else ("brush" if window_ms else None)
        key = (state.vector, state.target, state.country, state.asn, state.metric, brushed)
        if key == self._overview_key:
            return
        previous, self._overview_key = self._overview_key, key
        if brushed == "brush" and previous is not None and previous[:-1] == key[:-1]:
            # the analyst is brushing: the browser draws the brush, and a new chart now would
            # end the drag at its first event (the window stopped a few pixels in)
            return
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
            self.totals.value = "<b>In the selection:</b> " + empty_note(
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
            self.spoofing_view.value = "<b>Spoofing:</b> " + empty_note(
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
            caption = empty_note("No located sources in this selection.")
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
        sort, descending = state.table_order
        lazy = views.filtered_packets(self.packets, state, **self._filters())
        attack_first = views.is_attack_selection(state, self.report.phases)
        rows, total = views.packet_rows(
            lazy, sort=sort, descending=descending, attack_first=attack_first,
            days=fmt.over_days(self.report.capture),
        )  # fmt: skip
        if total == 0:
            self.table_caption.value = "<b>Packets behind the selection:</b> none"
            self.packet_table.value = empty_note("No packets match this selection.")
            return
        order = "attack packets first, then " if attack_first else ""
        self.table_caption.value = (
            f"<b>Packets behind the selection:</b> <span class='wb-total'>{fmt.count(total)}</span> match"
            f" (the first {rows.height} shown, {order}by {html_text(sort)}{' descending' if descending else ''};"
            " click a column header to sort)"
        )
        self.packet_table.value = table_html(
            rows, sort=sort, descending=descending, sortable=tuple(views.SORT_KEYS),
            attack_rows=[v != "legitimate" for v in rows["Vector"].to_list()],
        )  # fmt: skip

    def _saturation_text(self, fine: pl.DataFrame) -> str:
        from workbench.analysis.capacity import parse_rate

        if not self.state.capacity:
            return "<b>Link:</b> " + empty_note(
                "enter a link capacity (e.g. 10G) to see utilisation."
            )
        capacity = parse_rate(self.state.capacity)
        peak = views.peak_bps(fine, self.state.bin_ms)
        if peak is None:
            return f"<b>Link {fmt.bit_rate(capacity)}:</b> " + empty_note(
                "no traffic in this selection."
            )
        return (
            f"<b>Link {fmt.bit_rate(capacity)}:</b> the selection peaks at {fmt.bit_rate(peak)}"
            f" = {fmt.percent(peak / capacity)} of the link ({self.state.bin_ms:,} ms bins)"
        )

    def show_dissection(self, dissected: pl.DataFrame, rows: int = 50) -> None:
        """Show dissected packets (tshark fields: DNS names, URIs, user agents, all escaped)."""
        shown = dissected.select(
            [c for c in dissected.columns if dissected[c].null_count() < dissected.height]
        ).head(rows)
        self.dissect_view.value = table_html(shown)
