"""Deep dissection: Wireshark's dissectors (tshark) on a selection of packets.

The fast reader stops at L4; this reads the application layer (DNS names, HTTP
requests, NTP request codes, SSDP answers...) for the packets that matter: a phase, a
vector, a time window, or a sample per vector, so a large capture is dissected in
seconds. Results join the packet frame on ``packet`` (0-based, file order).

Dissection sits beside ``enrich``: it adds evidence and never classifies. Which packets
belong to which vector comes from the caller (a classified frame such as ``rep.packets``),
and so do the Wireshark fields worth reading per vector (``fields_per_vector``, the vector
table's ``dissect`` column; ``wb.dissect`` passes it).
"""

from __future__ import annotations

import math
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from numbers import Integral
from pathlib import Path

import numpy as np
import polars as pl

from workbench.capture.progress import progress_bar
from workbench.capture.source import open_read_only
from workbench.capture.tshark_engine import run_watched, tshark_fields, wireshark_tool
from workbench.dissection.fields import COMMON, TLS, column, fields_for
from workbench.errors import ParameterError, expect

MAX_SELECTIONS = 500  # editcap takes at most 512 packet ranges per call

__all__ = [
    "COMMON",
    "TLS",
    "application_evidence",
    "dissect",
    "dns_subdomain_entropy",
    "http_request_stats",
    "select_packets",
]


def _tool_path(path: str | Path) -> str:
    """A file path as a tool argument: absolute, so a name like ``-w`` or ``-`` is never read as
    an option or as standard input (editcap's file names are positional)."""
    return str(Path(path).absolute())


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Sorted frame numbers as (first, last) runs of consecutive numbers."""
    if not numbers:
        return []
    out, start, prev = [], numbers[0], numbers[0]
    for n in numbers[1:]:
        if n == prev + 1:
            prev = n
            continue
        out.append((start, prev))
        start = prev = n
    out.append((start, prev))
    return out


def select_packets(frame: pl.DataFrame, *, vectors: Sequence[str] | None = None, sample_per_vector: int | None = None,
                   start=None, end=None, seed: int = 0) -> pl.DataFrame:  # fmt: skip
    """``packet`` numbers (0-based) and ``vector`` of the packets to dissect."""
    work = frame.with_row_index("packet") if "packet" not in frame.columns else frame
    if start is not None:
        work = work.filter(pl.col("ts") >= start)
    if end is not None:
        work = work.filter(pl.col("ts") < end)
    if "vector" in work.columns:
        work = work.filter(pl.col("vector").is_not_null())
        if vectors:
            work = work.filter(pl.col("vector").is_in(list(vectors)))
        if sample_per_vector and work.height:
            work = pl.concat(
                [
                    g.sample(min(sample_per_vector, g.height), seed=seed)
                    for g in work.partition_by("vector")
                ]
            )
    elif sample_per_vector:
        work = work.sample(min(sample_per_vector, work.height), seed=seed)
    columns = ["packet", "vector"] if "vector" in work.columns else ["packet"]
    return work.select(pl.col("packet").cast(pl.Int64), *columns[1:]).sort("packet")


def dissect(capture, selection: pl.DataFrame | Sequence[int] | None = None, *, fields: Sequence[str] | None = None,
            fields_per_vector: Mapping[str, Sequence[str]] | None = None, sample_per_vector: int | None = 200,
            progress: bool | None = None) -> pl.DataFrame:  # fmt: skip
    """Application fields of the selected packets, read by tshark: one row per packet, ``packet`` first.

    ``selection``: packet numbers (0-based), or a classified frame (a ``vector`` column, such as
    ``rep.packets``) of which ``sample_per_vector`` packets per vector are read. ``fields``: the
    Wireshark fields to read; otherwise each selected vector's ``fields_per_vector`` entry (``wb.dissect``
    fills it from the vector table) after ``frame.protocols``.

        rep = wb.analyze(cap)
        dns = wb.dissect(cap, rep.packets, sample_per_vector=100)
    """
    where = "wb.dissect"
    if not hasattr(capture, "meta"):
        expect(
            capture,
            (str, os.PathLike),
            "capture",
            where,
            "a Capture (wb.load) or a capture file path",
        )
    if selection is not None and not isinstance(selection, pl.DataFrame):
        numbers = list(selection) if isinstance(selection, (list, tuple, range)) else None
        if isinstance(selection, (pl.Series, np.ndarray)):
            numbers = [] if pl.Series(selection).dtype.is_integer() else None
        if numbers is None or not all(isinstance(n, Integral) for n in numbers):
            expect(selection, (), "selection", where,
                   "packet numbers (integers from 0) or a classified frame")  # fmt: skip
    if sample_per_vector is not None:
        expect(sample_per_vector, int, "sample_per_vector", where, "a number of packets or None")
    if fields_per_vector is not None:
        expect(fields_per_vector, Mapping, "fields_per_vector", where,
               "a mapping of vector name to Wireshark fields")  # fmt: skip
    if hasattr(capture, "meta"):  # several files: each reads its own share of the packets
        files = [(Path(f.path), f.packets) for f in capture.meta.files]
    else:
        files = [(Path(capture), None)]
    if selection is None:
        frame = getattr(capture, "packets", None)
        if not isinstance(frame, pl.DataFrame) or "vector" not in frame.columns:
            raise ParameterError(
                f"{where} needs a selection: dissection reads packets, it does not classify them."
                " Give the classified frame of an analysis (rep = wb.analyze(cap);"
                " wb.dissect(cap, rep.packets)) or packet numbers (wb.dissect(cap, [0, 1, 2]))"
            )
        selection = frame
    if isinstance(selection, pl.DataFrame):
        chosen = (
            selection
            if set(selection.columns) <= {"packet", "vector"} and "packet" in selection.columns
            else select_packets(selection, sample_per_vector=sample_per_vector)
        )
    else:
        chosen = pl.DataFrame({"packet": [int(p) for p in selection]})
    vectors = (
        chosen["vector"].unique().drop_nulls().to_list() if "vector" in chosen.columns else None
    )
    wanted = list(fields) if fields else fields_for(vectors, fields_per_vector)
    parts = []
    first = 0  # the packet number of each file's first packet in the capture's frame
    for path, packets in files:
        last = first + packets if packets is not None else None
        mine = chosen["packet"].filter(
            (chosen["packet"] >= first) & ((chosen["packet"] < last) if last is not None else True)
        )
        if mine.len():
            local = _dissect_file(path, (mine - first).to_list(), wanted, progress)
            parts.append(local.with_columns(packet=pl.col("packet") + first))
        first = last if last is not None else first
    out = (
        pl.concat(parts)
        if parts
        else pl.DataFrame(schema={"packet": pl.Int64, **{column(f): pl.String for f in wanted}})
    )
    if "vector" in chosen.columns:
        out = out.join(chosen, on="packet", how="left")
    return out.select("packet", pl.exclude("packet"))


def _dissect_file(
    path: Path, packets: list[int], wanted: list[str], progress: bool | None
) -> pl.DataFrame:
    """The ``wanted`` fields of some packets (numbered from 0) of one file, with ``packet``."""
    numbers = [p + 1 for p in packets]  # editcap and tshark count frames from 1
    runs = _runs(numbers)
    parts = []
    chunks = range(math.ceil(len(runs) / MAX_SELECTIONS))
    # each chunk is one pass of editcap over the whole capture: the bar follows its reading
    size = path.stat().st_size
    bar = progress_bar(size * len(chunks), f"dissecting {path.name}", progress)
    try:
        with tempfile.TemporaryDirectory(prefix="wb-dissect-") as tmp:
            for k in chunks:
                block = runs[k * MAX_SELECTIONS : (k + 1) * MAX_SELECTIONS]
                # editcap copies just these frames (one fast pass in C); tshark then dissects only them
                selected = Path(tmp) / f"part{k}.pcapng"
                args = [f"{a}-{z}" if z > a else str(a) for a, z in block]
                with open_read_only(path) as evidence:  # on stdin: never an option, atime untouched
                    command = [wireshark_tool("editcap"), "-r", "-", _tool_path(selected), *args]
                    done = run_watched(command, evidence, bar, base=k * size)
                if bar is not None:  # editcap stops after the last packet it copies
                    bar.update(max(0, (k + 1) * size - bar.n))
                if done.returncode != 0:
                    raise subprocess.CalledProcessError(
                        done.returncode, command, done.stdout, done.stderr
                    )
                frames = [n for a, z in block for n in range(a, z + 1)]
                part = tshark_fields(_tool_path(selected), ["frame.number", *wanted])
                lookup = pl.DataFrame(
                    {"frame.number": [str(i + 1) for i in range(len(frames))], "_packet": frames}
                )
                parts.append(
                    part.join(lookup, on="frame.number", how="left")
                    .with_columns(pl.col("_packet").cast(pl.String).alias("frame.number"))
                    .drop("_packet")
                )
    finally:
        if bar is not None:
            bar.close()
    raw = (
        pl.concat(parts)
        if parts
        else pl.DataFrame(schema={n: pl.String for n in ["frame.number", *wanted]})
    )
    return (
        raw.rename({f: column(f) for f in wanted})
        .with_columns(packet=pl.col("frame.number").cast(pl.Int64) - 1)
        .drop("frame.number")
    )


def dns_subdomain_entropy(dissected: pl.DataFrame, min_queries: int = 20) -> pl.DataFrame:
    """Per zone (last two labels): queries, distinct names and the Shannon entropy (bits) of the
    leftmost label's characters. Water torture shows many distinct random-looking names in one zone."""
    names = dissected.filter(pl.col("dns_qry_name").is_not_null()).select(
        pl.col("dns_qry_name").str.to_lowercase().alias("name")
    )
    parts = names.with_columns(labels=pl.col("name").str.split("."))
    zoned = parts.with_columns(
        zone=pl.col("labels").list.slice(-2, 2).list.join("."), first=pl.col("labels").list.first()
    )
    chars = (
        zoned.select("zone", pl.col("first").str.split("").alias("c"))
        .explode("c")
        .filter(pl.col("c") != "")
    )
    entropy = (
        chars.group_by("zone", "c").len()
        .with_columns(p=pl.col("len") / pl.col("len").sum().over("zone"))
        .group_by("zone").agg((-(pl.col("p") * pl.col("p").log(2))).sum().alias("label_entropy_bits"))
    )  # fmt: skip
    stats = zoned.group_by("zone").agg(
        pl.len().alias("queries"), pl.col("name").n_unique().alias("distinct_names")
    )
    return (
        stats.join(entropy, on="zone")
        .filter(pl.col("queries") >= min_queries)
        .sort("queries", descending=True)
    )


def http_request_stats(dissected: pl.DataFrame) -> pl.DataFrame:
    """HTTP requests per method, host and user agent (with the number of distinct URIs)."""
    requests = dissected.filter(pl.col("http_request_method").is_not_null())
    return (
        requests.group_by("http_request_method", "http_host", "http_user_agent")
        .agg(
            pl.len().alias("requests"), pl.col("http_request_uri").n_unique().alias("distinct_uris")
        )
        .sort("requests", descending=True)
    )


def _shares(series: pl.Series, top: int = 5) -> dict[str, float]:
    counts = series.drop_nulls().value_counts(sort=True)
    total = max(int(counts["count"].sum()), 1) if counts.height else 1
    return {
        str(r[series.name]): round(r["count"] / total, 4)
        for r in counts.head(top).iter_rows(named=True)
    }


def application_evidence(dissected: pl.DataFrame) -> dict[str, dict]:
    """Per vector, what the application layer says (the fingerprint's PCAP-only fields and more):
    DNS query names and types, water-torture entropy, NTP request codes, HTTP methods, URIs and
    user agents, SSDP servers."""
    out: dict[str, dict] = {}
    if dissected.is_empty() or "vector" not in dissected.columns:
        return out
    for (vector,), part in dissected.partition_by("vector", as_dict=True).items():
        facts: dict = {"dissected_packets": part.height}
        if "dns_qry_name" in part.columns and part["dns_qry_name"].drop_nulls().len():
            facts["dns_query_name"] = _shares(part["dns_qry_name"])
            facts["dns_query_type"] = _shares(part["dns_qry_type"])
            if vector == "dns_water_torture":
                zones = dns_subdomain_entropy(part, min_queries=1)
                if zones.height:
                    facts["zone"] = zones.row(0, named=True)
        if "ntp_priv_reqcode" in part.columns and part["ntp_priv_reqcode"].drop_nulls().len():
            facts["ntp_requestcode"] = _shares(part["ntp_priv_reqcode"])
        if "http_request_method" in part.columns and part["http_request_method"].drop_nulls().len():
            facts["http_method"] = _shares(part["http_request_method"])
            facts["http_uri"] = _shares(part["http_request_uri"])
            facts["http_user_agent"] = _shares(part["http_user_agent"])
            facts["http_distinct_user_agents"] = part["http_user_agent"].drop_nulls().n_unique()
        if "http_server" in part.columns and part["http_server"].drop_nulls().len():
            facts["ssdp_server"] = _shares(part["http_server"])
        out[vector] = facts
    return out
