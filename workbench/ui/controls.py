"""The dashboard's controls: pickers, the link box, the filter tags, and what each change does
to the one ``DashboardState`` (a mixin of ``Dashboard``)."""

from __future__ import annotations

import ipywidgets as widgets
import polars as pl

from workbench import formatting as fmt
from workbench import viz
from workbench.analysis.headline import headline
from workbench.export.escaping import clip, html_text, visible
from workbench.ui import views
from workbench.viz import geo as _geo  # noqa: F401  (viz.geo, viz.palette as attributes)
from workbench.viz import palette as _palette  # noqa: F401
from workbench.viz.palette import title as vector_title

# a picker's "all" entry (ipywidgets shows a None value as no choice at all, a blank box)
ALL = ""
ALL_PHASES = ALL_ASNS = -1


def label(text: object, limit: int = 90) -> str:
    """Text for a widget label (picker option, tag): cut, invisible characters made visible."""
    return visible(clip(str(text), limit))


def same_window(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return all(abs(fmt.to_ns(x) - fmt.to_ns(y)) < 1_000_000 for x, y in zip(a, b, strict=True))


class Controls:
    """Building and wiring the controls; filters set and cleared."""

    # ---- controls -------------------------------------------------------------------------
    def _build_controls(self) -> None:
        report = self.report
        present = report.series["vector"].unique().to_list() if not report.series.is_empty() else []
        vectors = viz.palette.stack_order(present)
        narrow = {"description_width": "52px"}
        self.vector_picker = widgets.Dropdown(
            options=[("all vectors", ALL)] + [(label(vector_title(v)), v) for v in vectors],
            value=ALL, description="vector", style=narrow, layout=widgets.Layout(width="250px"),
        )  # fmt: skip
        self.phase_picker = widgets.Dropdown(
            options=[("all phases", ALL_PHASES)] + [(self._phase_label(p), p["index"]) for p in report.phases],
            value=ALL_PHASES, description="phase", style=narrow, layout=widgets.Layout(width="420px"),
        )  # fmt: skip
        targets = [t.get("prefix") or t.get("address") for t in report.targets]
        self.target_picker = widgets.Dropdown(
            options=[("all targets", ALL)] + [(label(t, 48), t) for t in targets if t],
            value=ALL, description="target", style=narrow, layout=widgets.Layout(width="250px"),
        )  # fmt: skip
        names = dict(viz.geo.iso_codes().select("iso2", "name").iter_rows())
        countries = [c for c in report.sources.get("countries", []) if c.get("country") in names]
        self.country_picker = widgets.Dropdown(
            options=[("all countries", ALL)]
            + [(label(f"{c['country']} {names[c['country']]} ({fmt.count(c.get('unique_sources'))} sources)"), c["country"])
               for c in countries],
            value=ALL, description="country", style=narrow, layout=widgets.Layout(width="270px"),
        )  # fmt: skip
        asns = [a for a in report.sources.get("asns", []) if a.get("asn") is not None]
        self.asn_picker = widgets.Dropdown(
            options=[("all ASNs", ALL_ASNS)]
            + [(label(f"AS{a['asn']} {a.get('as_org') or ''} ({a.get('country') or '?'})", 48), int(a["asn"]))
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
            style={"button_width": "96px"},  # "packets/s" whole in the page's font
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
        days = fmt.over_days(self.report.capture)
        span = f"{fmt.stamp(phase['start'], days, 0)}–{fmt.stamp(phase['end'], days, 0)}"
        return label(
            f"{phase['index']} · {phase['kind']} {span}{' · ' + words if words else ''}", 110
        )

    def _headline(self) -> str:
        data, report = self.report.to_dict(), self.report
        h = headline(data)
        files = h["files"]
        name = (
            files[0] + (f" (+{len(files) - 1} files)" if len(files) > 1 else "")
            if files
            else "capture"
        )
        parts = [f"<b>{html_text(name)}</b>"]
        if h["start"] and h["end"]:
            parts.append(
                f"{html_text(fmt.window(h['start'], h['end']))} ({fmt.duration(h['seconds'])})"
            )
        parts.append(f"{fmt.count(h['packets'])} packets, {fmt.size(h['bytes'])}")
        attack, mitigated = h["attack_phases"], h["mitigated_phases"]
        parts.append(
            f"<b>{attack} attack phase{'s' if attack != 1 else ''}</b>"
            + (f" (+{mitigated} mitigated)" if mitigated else "")
        )
        parts.append(f"{len(report.vectors)} vectors, {len(report.targets)} targets")
        held = data.get("held_back") or []
        if held:  # no attack found: the biggest candidate, and what held it back
            parts.append(f"biggest candidate: {html_text(held[0]['reason'])}")
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
        self.packet_table.on_msg(self._on_table_message)
        self.state.observe(lambda _: self._draw_packets(), "table_order")
        self.dissect_button.on_click(lambda _: self.dissect_selection())
        self.save_button.on_click(lambda _: self.save_packets())
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
            picker.options = [*picker.options, (label(value), value)]
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

    def sort_table(self, column: str) -> None:
        """Sort the packet table by a column, as a click on its header does (Wireshark): the
        sorted column again reverses it, another column sorts ascending. Columns:
        ``views.SORT_KEYS``; others are ignored.

            dash.sort_table("Length")
        """
        if column not in views.SORT_KEYS:
            return
        current, descending = self.state.table_order
        self.state.table_order = (column, not descending if column == current else False)

    def _on_table_message(self, _widget, content, _buffers) -> None:
        # the browser says which header was clicked; the column name is checked, not trusted
        if isinstance(content, dict) and isinstance(content.get("sort"), str):
            self.sort_table(content["sort"])

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
        if same_window(window, self.state.window):
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
            start, end = (fmt.to_ns(t) for t in state.window)
            days = fmt.over_days(self.report.capture)
            tags.append(("window", f"time: {fmt.stamp(start, days)} – {fmt.stamp(end, days)}"))
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
            tag = widgets.Button(description=f"{label(text, 70)}  ✕", tooltip=f"remove this filter ({name})",
                                 layout=widgets.Layout(width="auto"))  # fmt: skip
            tag.add_class("wb-tag")
            tag.on_click(lambda _b, name=name: self.clear_filter(name))
            buttons.append(tag)
        lead = widgets.HTML("<b>Filters:</b>" if buttons else "<span class='wb-empty'>No filters: the whole capture. Pick a vector, phase, target, country or ASN, or brush the overview.</span>")  # fmt: skip
        self.tag_bar.children = [lead, *buttons, *([self.clear_button] if buttons else [])]
