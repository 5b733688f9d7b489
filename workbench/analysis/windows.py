"""Analysis of a capture larger than memory, in time windows.

A dataset (``wb.ingest`` / ``wb.scan``) is cut into windows of whole seconds holding at most
``window_packets`` packets, read twice. First pass: each window's evidence for the vector
tests (per target and vector: packets, unsolicited answers, completed handshakes, sources)
is gathered, and the tests are judged once over the whole capture, as in memory; each
window's candidates are kept beside its part for the second pass, and the per-bin rates of
the pairs judged by their rate are counted from them. Second pass: each window is labelled
with those verdicts and written back as a Parquet part; what only makes sense per bin (the
100 ms series per vector, 1 ms and 10 ms peaks, silences in a busy capture) is taken while
the window is in memory. Windows never share a second, so all
of this combines exactly; only a handshake or a fragmented datagram cut by a window edge is
judged without its other half. Everything else in the report is a streaming Polars query over
the labelled parts.

Each window of each pass can be a Dask task (``cluster=``): the parts combine in window order,
so the report is the one a single process writes. What a window leaves for later (its
evidence, its series) is kept as Arrow IPC bytes, so resident memory stays flat from window
to window: peak memory is set by the window (the default, 2 M packets: ~1.5 GB in all), not
by the capture.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from workbench.analysis.config import DEFAULT, AnalysisConfig
from workbench.analysis.partials import Partials
from workbench.analysis.queries import collect
from workbench.analysis.vectors import Evidence, Verdicts, candidates, classify, span_ns
from workbench.analysis.vectors.context import dns_service, rate_bin
from workbench.analysis.vectors.evidence import COUNT_READS
from workbench.analysis.vectors.kinds import CANDIDATE
from workbench.analysis.vectors.labels import LABEL_READS
from workbench.capture.cluster import Cluster

WINDOW_PACKETS = 2_000_000
# what pass 1 keeps of a window's candidates: what pass 2's labels and the rates' counts read
# (their bins are found again from their times). A window of 2 M packets, all candidates: 38 MB
# written and read back in 0.13-0.18 s, where every column took 53 MB and 0.18-0.20 s
KEPT = tuple(dict.fromkeys((*LABEL_READS, *COUNT_READS)))
# the labelled parts are scratch that every figure of the report reads again: LZ4 is read and
# written faster than zstd (the 43.4 M-packet dataset's figures 30.0-34.0 s against 33.8-36.9 s)
# for 1.6x the disk (1.1 GB against 0.7 GB); uncompressed would read faster still (26.9-29.0 s)
# for 3x the disk (2.2 GB), too much beside a capture of tens of GB
PART_COMPRESSION = "lz4"


def plan(packets: pl.LazyFrame, window_packets: int = WINDOW_PACKETS) -> list[tuple[int, int, int]]:
    """Windows ``(first_ns, end_ns, packets)`` of whole seconds, each at most ``window_packets``
    (a single busier second is a window of its own)."""
    per_second = collect(
        packets.group_by((pl.col("ts").cast(pl.Int64) // 1_000_000_000).alias("s")).agg(pl.len())
    ).sort("s")
    windows: list[tuple[int, int, int]] = []
    first = count = None
    for second, n in per_second.iter_rows():
        if first is not None and count + n > window_packets:
            windows.append((first * 1_000_000_000, second * 1_000_000_000, count))
            first = None
        if first is None:
            first, count = second, 0
        count += n
        last = second
    if first is not None:
        windows.append((first * 1_000_000_000, (last + 1) * 1_000_000_000, count))
    return windows


def classify_windows(
    packets: pl.LazyFrame,
    workdir: str | Path,
    *,
    window_packets: int = WINDOW_PACKETS,
    progress: bool | None = None,
    cluster: Cluster | None = None,
    config: AnalysisConfig = DEFAULT,
) -> tuple[pl.LazyFrame, Partials, pl.DataFrame | None]:
    """Classify a lazy packet frame window by window into ``workdir/window-*.parquet``.

    ``cluster`` (``workbench.capture.cluster.dask_cluster``): each window of each pass is a Dask task
    there (``workdir`` and the dataset must then be where the workers see them); the parts
    combine in window order, so the result is the same as in one process.
    Returns the labelled packets (lazy, the packet schema plus ``vector`` as the vector table's
    Enum: ``labels.as_text`` names it), the partials, and the candidate pairs with the most
    packets that are no attack (``verdicts.held_back``).
    """
    out = Path(workdir)
    out.mkdir(parents=True, exist_ok=True)
    windows = plan(packets, window_packets)
    parts = [str(out / f"window-{k:06d}.parquet") for k in range(len(windows))]
    bar = _bar(2 * sum(n for *_, n in windows), progress, len(windows))
    run = _run_here if cluster is None else _run_on(cluster)
    # first to last packet, as in memory: both paths judge rates in the same bins
    bin_ns = config.rate_bin_ms(span_ns(packets) if windows else 0) * 1_000_000
    # whether each host runs a DNS server: the whole capture's to say, read before its windows
    dns = dns_service(packets) if windows else None
    if cluster is not None and dns is not None:  # sent once to every worker, as the verdicts are
        [dns] = cluster.client.scatter([dns], broadcast=True)
    try:
        evidence = Evidence.empty(config, bin_ns)
        task = [(config, bin_ns, part, dns) for part in parts]
        for share in run(window_evidence, packets, windows, task, bar):
            evidence.merge(share)
        verdicts: Verdicts = evidence.verdicts()
        held_back = verdicts.held_back
        del evidence
        if cluster is not None:  # sent once to every worker, not with every task
            [verdicts] = cluster.client.scatter([verdicts], broadcast=True)
        partials = Partials()
        for share in run(
            window_labels, packets, windows, [(verdicts, part, config, dns) for part in parts], bar
        ):
            partials.merge(share)
    finally:
        if bar is not None:
            bar.close()
        for part in parts:  # what pass 2 did not take (it failed, or was stopped)
            _kept(part).unlink(missing_ok=True)
    if not parts:
        from workbench.capture.schema import empty_frame

        empty = empty_frame().with_columns(vector=pl.lit(None, dtype=CANDIDATE)).lazy()
        return empty, partials, held_back
    return pl.scan_parquet(parts), partials, held_back


def _window(packets: pl.LazyFrame, lo: int, hi: int) -> pl.DataFrame:
    """The packets of ``[lo, hi)`` ns. Compared in the column's own type: a cast column hides
    the Parquet statistics, and every row group of the dataset is then read (0.4 s against
    0.1 s for a window of 2 M packets)."""
    dtype = packets.collect_schema()["ts"]
    first, end = (pl.lit(ns, dtype=pl.Int64).cast(dtype) for ns in (lo, hi))
    return packets.filter((pl.col("ts") >= first) & (pl.col("ts") < end)).collect()


def _kept(part: str) -> Path:
    """Where pass 1 keeps a window's candidates for pass 2 (beside its labelled part)."""
    return Path(f"{part}.candidates.arrow")


def window_evidence(
    packets: pl.LazyFrame, lo: int, hi: int, config: AnalysisConfig, bin_ns: int,
    part: str | None = None, dns: pl.DataFrame | None = None,
) -> Evidence:  # fmt: skip
    """Pass 1 on one window ``[lo, hi)`` ns: what the vector tests need from it (``dns``: the
    whole capture's ``dns_service``; the window's own when not given).

    ``part``: the window's labelled part to come; its candidates (``KEPT``) are kept beside it
    (Arrow IPC, LZ4) for pass 2, which then does not find them again: written and read back in
    0.13-0.18 s, found again in 0.5 s for a window of 2 M packets (the window itself is read
    again: 0.1 s, less than keeping it). Pass 2 removes them."""
    frame = _window(packets, lo, hi)
    cand = candidates(frame, config, bin_ns, dns)
    evidence = Evidence.empty(config, bin_ns)
    evidence.add(frame, cand)
    if part is None:
        return evidence.pack()
    cand.select(KEPT).write_ipc(_kept(part), compression="lz4")
    # its per-bin counts are taken from there, for the rate-judged pairs alone
    return evidence.pack(kept=_kept(part))


def window_labels(
    packets: pl.LazyFrame,
    lo: int,
    hi: int,
    verdicts: Verdicts,
    part: str,
    config: AnalysisConfig = DEFAULT,
    dns: pl.DataFrame | None = None,
) -> Partials:
    """Pass 2 on one window: label it with the capture's verdicts, write it to ``part``, and
    return its per-bin partials. Its candidates are those pass 1 kept, when it kept them (else
    found again, with the capture's ``dns_service``)."""
    kept = _kept(part)
    cand = pl.read_ipc(kept).with_columns(rate_bin(verdicts.bin_ns)) if kept.exists() else None
    # the vector as the table's Enum: a byte per packet for every query over the parts
    classified = classify(_window(packets, lo, hi), verdicts, config, cand=cand, enum=True, dns=dns)
    del cand
    kept.unlink(missing_ok=True)
    partials = Partials()
    partials.add(classified)
    classified.write_parquet(part, statistics=True, compression=PART_COMPRESSION)
    return partials


def _run_here(task, packets, windows, extra, bar) -> Iterator:
    """One window after the other, in this process."""
    for (lo, hi, n), more in zip(windows, extra, strict=True):
        yield task(packets, lo, hi, *more)
        if bar is not None:
            bar.update(n)


def _run_on(cluster: Cluster):
    """Every window a task on the cluster; results come back in window order."""

    def run(task, packets, windows, extra, bar) -> Iterator:
        from distributed import as_completed

        client = cluster.client
        futures = {
            client.submit(task, packets, lo, hi, *more, pure=False): k
            for k, ((lo, hi, _), more) in enumerate(zip(windows, extra, strict=True))
        }
        done: dict[int, object] = {}
        upcoming = 0
        for future in as_completed(futures):
            k = futures[future]
            done[k] = future.result()
            future.release()
            if bar is not None:
                bar.update(windows[k][2])
            while upcoming in done:  # hand results on in order as soon as they can be
                yield done.pop(upcoming)
                upcoming += 1

    return run


def _bar(total: int, progress: bool | None, windows: int):
    if progress is False or not total or (progress is None and windows < 2):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="pkt", unit_scale=True, desc="analyse (2 passes)")
