"""What each dashboard view shows for a given state: pure functions, frames in, frames out.

Every filter of the state (window, phase, vector, target, source country, source ASN) reaches
every view through one place, ``packet_filter``/``filtered_packets``. Views that need only the
window and the vector read the Report's pre-aggregated series (100 ms bins per vector); a target,
country or ASN filter needs the packets, and the series is then rebuilt from the packets that
pass (one group-by, the same 100 ms bins).

A country or ASN filter counts only sources whose addresses mean something: packets of the
vectors the report judged spoofed (forged source addresses) are left out of it.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from workbench import formatting as fmt
from workbench.analysis.series import FINE_BIN_MS, LEGIT, fine_series, rollup
from workbench.capture.schema import FRAG_NONFIRST, PROTO_TCP, PROTO_UDP
from workbench.ui.state import DashboardState

# TCP flag bits in the order Wireshark lists them ("SYN, ACK", "FIN, PSH, ACK")
TCP_FLAGS = ((1, "FIN"), (2, "SYN"), (4, "RST"), (8, "PSH"), (16, "ACK"), (32, "URG"), (64, "ECE"), (128, "CWR"))  # fmt: skip
# filters a panel may leave out of its own view (cross-filtering: the overview keeps drawing the
# whole time line so the brush can move; the map keeps every country so another can be picked)
FILTERS = ("window", "vector", "target", "country", "asn")
# the packet table's sortable columns -> the packet column each sorts on
SORT_KEYS = {"No.": "packet", "Time": "ts", "Source": "src", "Destination": "dst", "Protocol": "proto",
             "Length": "wire_len", "TTL": "ttl", "Vector": "vector"}  # fmt: skip


def spoofed_vectors(report_sources: dict) -> list[str]:
    """Vectors whose source addresses the report judged forged (``sources.spoofing.per_vector``)."""
    return sorted(
        row["vector"]
        for row in report_sources.get("spoofing", {}).get("per_vector", [])
        if row.get("verdict") == "spoofed"
    )


def source_geography(packets: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Country and ASN of every distinct source (``src``, ``country``, ``asn``, ``as_org``)."""
    from workbench.enrich import geolocate

    sources = packets.lazy().select(pl.col("src").unique()).collect(engine="streaming")
    return geolocate(sources["src"]).select(
        pl.col("address").alias("src"), "country", pl.col("asn").cast(pl.Int64), "as_org"
    )


def _target_expr(target: str) -> pl.Expr:
    from workbench.capture.addresses import parse

    try:
        if "/" in target:
            return pl.col("dst").ip.in_network(target)
        return pl.col("dst") == pl.lit(parse(target), dtype=pl.UInt128)
    except Exception:  # a label no address parser reads matches nothing (target_problem says why)
        return pl.lit(False)


def target_problem(target: str | None) -> str | None:
    """Why a target label cannot filter packets (not an address or prefix), or None."""
    from workbench.capture.addresses import parse

    if not target:
        return None
    try:
        if "/" in target:
            pl.select(pl.lit(0, dtype=pl.UInt128).ip.in_network(target))
        else:
            parse(target)
    except Exception:
        return f"the target {target!r} is not an address or prefix: it matches no packets"
    return None


def packet_filter(state: DashboardState, skip: Iterable[str] = ()) -> pl.Expr:
    """One expression for the window, vector and target of the state (country and ASN need
    the source geography: ``filtered_packets``)."""
    skip = set(skip)
    expr = pl.lit(True)
    if state.window is not None and "window" not in skip:
        expr &= (pl.col("ts") >= state.window[0]) & (pl.col("ts") < state.window[1])
    if state.vector and "vector" not in skip:
        expr &= (
            pl.col("vector").is_null() | (pl.col("vector") == LEGIT)
            if state.vector == LEGIT
            else pl.col("vector") == state.vector
        )
    if state.target and "target" not in skip:
        expr &= _target_expr(state.target)
    return expr


def needs_packets(state: DashboardState, skip: Iterable[str] = ()) -> bool:
    """Whether a filter of the state cannot be read off the pre-aggregated series."""
    skip = set(skip)
    return any(getattr(state, name) for name in ("target", "country", "asn") if name not in skip)


def geo_filtered(state: DashboardState, skip: Iterable[str] = ()) -> bool:
    """Whether a country or ASN filter is active (and so spoofed vectors are left out)."""
    skip = set(skip)
    return bool((state.country and "country" not in skip) or (state.asn and "asn" not in skip))


def filtered_packets(packets: pl.DataFrame | pl.LazyFrame, state: DashboardState, *,
                     geography: pl.DataFrame | None = None, spoofed: Iterable[str] = (),
                     skip: Iterable[str] = ()) -> pl.LazyFrame:  # fmt: skip
    """The packets behind the selection, every filter applied (``packet``: the packet's number
    in the capture, 0-based, added first so dissection can find it)."""
    skip = set(skip)
    lazy = packets.lazy()
    if "packet" not in lazy.collect_schema().names():
        lazy = lazy.with_row_index("packet")
    lazy = lazy.filter(packet_filter(state, skip))
    if geo_filtered(state, skip):
        if geography is None:
            raise ValueError("a country or ASN filter needs the source geography")
        spoofed = list(spoofed)
        if spoofed:  # forged addresses locate nothing
            lazy = lazy.filter(pl.col("vector").is_null() | ~pl.col("vector").is_in(spoofed))
        located = geography.lazy()
        if state.country and "country" not in skip:
            located = located.filter(pl.col("country") == state.country)
        if state.asn and "asn" not in skip:
            located = located.filter(pl.col("asn") == state.asn)
        lazy = lazy.join(located.select("src"), on="src", how="semi")
    return lazy


def selection_series(series: pl.DataFrame, packets, state: DashboardState, *, geography=None,
                     spoofed: Iterable[str] = (), skip: Iterable[str] = ()) -> pl.DataFrame:  # fmt: skip
    """The 100 ms series per vector under every filter (``ts``, ``vector``, ``packets``, ``bytes``)."""
    skip = set(skip)
    if not needs_packets(state, skip):
        if state.window is None or "window" in skip or packets is None:
            return series.filter(packet_filter(state, skip | {"target"}))
        return _window_series(series, packets, state, skip)
    lazy = filtered_packets(packets, state, geography=geography, spoofed=spoofed, skip=skip)
    return fine_series(lazy.select("ts", "wire_len", "vector"))


def _window_series(series: pl.DataFrame, packets, state: DashboardState, skip: set) -> pl.DataFrame:
    """The series in a window whose edges may cut a 100 ms bin (a phase starts at its first
    packet, a brush anywhere): the whole bins read off the series, the two cut bins recounted
    from their packets, so the totals match the packet table."""
    bin_ns = FINE_BIN_MS * 1_000_000
    start, end = (fmt.to_ns(t) for t in state.window)
    first_whole, after_whole = -(-start // bin_ns) * bin_ns, end // bin_ns * bin_ns
    ts = pl.col("ts").dt.cast_time_unit("ns").dt.epoch("ns")
    whole = series.filter(
        packet_filter(state, skip | {"target", "window"}) & (ts >= first_whole) & (ts < after_whole)
    )
    cut = filtered_packets(packets, state, skip=skip).filter(
        (ts < first_whole) | (ts >= after_whole)
    )
    edges = fine_series(cut.select("ts", "wire_len", "vector"))
    if edges.is_empty():
        return whole
    return pl.concat([whole, edges.cast(whole.schema)]).sort("ts", "vector")


def effective_bin_ms(part: pl.DataFrame, state: DashboardState) -> int:
    """The chosen bin, coarsened when the window is too long to draw at it."""
    from workbench.viz.rates import choose_bin_ms

    return max(state.bin_ms, choose_bin_ms(part)) if not part.is_empty() else state.bin_ms


def selection(series: pl.DataFrame, state: DashboardState, packets=None, **filters) -> tuple[pl.DataFrame, int]:  # fmt: skip
    """(rate series under every filter of the state, the bin it was rolled up to)."""
    part = selection_series(series, packets, state, **filters)
    bin_ms = effective_bin_ms(part, state)
    return (rollup(part, bin_ms, by="vector") if not part.is_empty() else part), bin_ms


def selected_series(series: pl.DataFrame, state: DashboardState, packets=None, **filters) -> pl.DataFrame:  # fmt: skip
    """The rate series under every filter of the state, rolled up to the chosen bin."""
    return selection(series, state, packets, **filters)[0]


def vector_totals(fine: pl.DataFrame) -> pl.DataFrame:
    """Packets and bytes per vector of a (selected) series, the biggest first."""
    return (
        fine.group_by("vector")
        .agg(pl.col("packets").sum(), pl.col("bytes").sum())
        .sort("bytes", "vector", descending=[True, False])
    )


def peak_bps(fine: pl.DataFrame, bin_ms: int) -> float | None:
    """The highest bit rate of a selected series over all its vectors, at ``bin_ms`` bins."""
    if fine.is_empty():
        return None
    return float(rollup(fine.with_columns(vector=pl.lit("all")), bin_ms, by="vector")["bps"].max())


def source_countries(lazy: pl.LazyFrame, geography: pl.DataFrame, spoofed: Iterable[str] = ()) -> pl.DataFrame:  # fmt: skip
    """Sources per country of the selected packets (spoofed vectors left out), the shape
    ``viz.geo.source_map`` reads: ``country``, ``packets``, ``bytes``, ``unique_sources``."""
    spoofed = list(spoofed)
    real = (
        lazy.filter(pl.col("vector").is_null() | ~pl.col("vector").is_in(spoofed))
        if spoofed
        else lazy
    )
    return (
        real.select("src", "wire_len")
        .join(geography.lazy().select("src", "country"), on="src", how="inner")
        .filter(pl.col("country").is_not_null())
        .group_by("country")
        .agg(
            pl.len().cast(pl.Int64).alias("packets"),
            pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
            pl.col("src").n_unique().cast(pl.Int64).alias("unique_sources"),
        )
        .sort("unique_sources", "country", descending=[True, False])
        .collect()
    )


def spoofed_packets(lazy: pl.LazyFrame, spoofed: Iterable[str]) -> int:
    """Packets of spoofed vectors in a selection (their sources have no geography)."""
    spoofed = list(spoofed)
    if not spoofed:
        return 0
    return int(lazy.filter(pl.col("vector").is_in(spoofed)).select(pl.len()).collect().item())


def is_attack_selection(state: DashboardState, phases: list[dict]) -> bool:
    """A vector or an attack (or mitigated) phase is picked: attack packets come first."""
    if state.vector and state.vector != LEGIT:
        return True
    if state.phase is None:
        return False
    kind = next((p["kind"] for p in phases if p["index"] == state.phase), None)
    return kind in ("attack", "mitigated")


def tcp_flags_text(flags: int | None) -> str:
    """TCP flags as Wireshark writes them: ``SYN``, ``SYN, ACK``; ``·`` for none."""
    if flags is None:
        return ""
    names = [name for bit, name in TCP_FLAGS if flags & bit]
    return ", ".join(names) if names else "·"


def mac_text(value: int | None) -> str:
    """A 48-bit MAC address as ``aa:bb:cc:dd:ee:ff``."""
    if value is None:
        return ""
    digits = f"{int(value):012x}"
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def packet_rows(lazy: pl.LazyFrame, *, sort: str = "No.", descending: bool = False,
                attack_first: bool = False, limit: int = 20,
                days: bool = False) -> tuple[pl.DataFrame, int]:  # fmt: skip
    """(the first ``limit`` packets of the selection as Wireshark shows them, how many match).

    Columns: No. (1-based, as Wireshark numbers frames), Time (UTC, µs), Source, Destination,
    Protocol, Length, Info (ports and TCP flags), TTL, Vector (in words), Source MAC,
    Destination MAC. ``attack_first`` puts packets of a vector before legitimate ones.
    """
    from workbench.viz.palette import title

    total = int(lazy.select(pl.len()).collect().item())
    keys, order = [], []
    if attack_first:
        keys.append(pl.col("vector").is_null())
        order.append(False)
    keys.append(pl.col(SORT_KEYS.get(sort, "packet")))
    order.append(descending)
    if SORT_KEYS.get(sort, "packet") != "packet":
        keys.append(pl.col("packet"))
        order.append(False)
    head = lazy.sort(keys, descending=order, nulls_last=True).head(limit).collect()
    if head.is_empty():
        return pl.DataFrame(schema=dict.fromkeys(PACKET_COLUMNS, pl.String)), total
    text = head.select(pl.col("src").ip.to_text(), pl.col("dst").ip.to_text())
    macs = {c: [mac_text(m) for m in head[c].to_list()] if c in head.columns else [""] * head.height
            for c in ("src_mac", "dst_mac")}  # fmt: skip
    rows = {
        "No.": [fmt.count(n + 1) for n in head["packet"].to_list()],
        "Time": [fmt.stamp(t, days, digits=6) for t in head["ts"].cast(pl.Int64).to_list()],
        "Source": text["src"].to_list(),
        "Destination": text["dst"].to_list(),
        "Protocol": [fmt.IP_PROTOCOLS.get(p, str(p)) for p in head["proto"].to_list()],
        "Length": [fmt.count(n) for n in head["wire_len"].to_list()],
        "Info": [
            _info(proto, sport, dport, flags, frag)
            for proto, sport, dport, flags, frag in head.select(
                "proto", "sport", "dport", "tcp_flags", "frag"
            ).iter_rows()
        ],
        "TTL": [str(t) for t in head["ttl"].to_list()],
        "Vector": [title(v) for v in head["vector"].to_list()],
        "Source MAC": macs["src_mac"],
        "Destination MAC": macs["dst_mac"],
    }
    return pl.DataFrame(rows, schema=dict.fromkeys(PACKET_COLUMNS, pl.String)), total


PACKET_COLUMNS = ("No.", "Time", "Source", "Destination", "Protocol", "Length", "Info", "TTL",
                  "Vector", "Source MAC", "Destination MAC")  # fmt: skip


def _info(proto: int, sport: int, dport: int, flags: int, frag: int) -> str:
    if frag and frag & FRAG_NONFIRST:
        return "fragment (not the first)"
    if proto in (PROTO_TCP, PROTO_UDP):
        text = f"{sport} → {dport}"
        return f"{text} [{tcp_flags_text(flags)}]" if proto == PROTO_TCP else text
    return ""


def phase_window(phases: list[dict], index: int) -> tuple:
    """(start, end) datetimes of phase ``index``."""
    phase = next(p for p in phases if p["index"] == index)
    bounds = pl.Series([phase["start"], phase["end"]]).str.to_datetime(
        time_unit="ns", time_zone="UTC"
    )
    return bounds[0], bounds[1]


def spoofing_rows(spoofing: dict, vectors: Iterable[str]) -> list[dict]:
    """The report's per-vector spoofing verdicts of the vectors in a selection."""
    present = set(vectors)
    return [row for row in spoofing.get("per_vector", []) if row.get("vector") in present]
