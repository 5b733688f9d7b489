"""Folders given to ``scan`` and ``ingest``: captures are chosen by their magic bytes, as the
reader sniffs them, never by their names (issue 20, defect 3)."""

from __future__ import annotations

import gzip
import struct
import warnings
from pathlib import Path

import pytest
from pcapbuild import epb, ether, idb, ipv4, pcap, shb, udp

import workbench as wb
from workbench.capture.ingest import ingest
from workbench.capture.scan import expand

BASE = 1_700_000_000


def _frames(first: float, n: int) -> list[tuple[float, bytes]]:
    return [
        (
            first + k * 0.01,
            ether(ipv4("198.51.100.1", "203.0.113.5", 17, udp(123, 5000 + k, b"m" * 40))),
        )
        for k in range(n)
    ]


def _pcapng(first: float, n: int) -> bytes:
    out = shb() + idb(1, tsresol=6)
    for t, data in _frames(first, n):
        out += epb(0, round(t * 1e6), data)
    return out


def _evidence(folder: Path) -> dict[str, int]:
    """A rotating-capture folder as found in the field; returns the captures in it (name: packets)."""
    folder.mkdir()
    captures = {"a.pcap": 3, "rotating-0002": 4, "b.pcapng.gz": 5, "trace.dump": 2}
    (folder / "a.pcap").write_bytes(pcap(_frames(BASE, 3)))
    (folder / "rotating-0002").write_bytes(pcap(_frames(BASE + 1, 4), nano=True))  # no extension
    (folder / "b.pcapng.gz").write_bytes(gzip.compress(_pcapng(BASE + 2, 5)))
    (folder / "trace.dump").write_bytes(_pcapng(BASE + 3, 2))
    # what must be skipped, whatever its name says
    (folder / "readme.capture.txt").write_text("how these captures were taken\n")
    (folder / "notes.pcap.txt.gz").write_bytes(gzip.compress(b"not a capture\n"))
    (folder / "empty.pcap").write_bytes(b"")
    (folder / "old.cap").write_bytes(  # a Sun snoop header: a capture, but not one the reader reads
        b"snoop\0\0\0" + struct.pack("!II", 2, 4)
    )
    (folder / "broken.pcap.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (folder / "more.pcap").mkdir()  # a sub-folder
    return captures


def test_folders_in_scan_and_ingest_are_chosen_by_magic_bytes(tmp_path) -> None:
    folder = tmp_path / "evidence"
    captures = _evidence(folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chosen = expand(folder)
    assert sorted(p.name for p in chosen) == sorted(captures)
    note = "\n".join(str(w.message) for w in caught if w.category is wb.capture.CaptureWarning)
    assert "skipped 6 entries" in note
    for skipped in ("readme.capture.txt (", "notes.pcap.txt.gz (", "empty.pcap (file is empty",
                    "broken.pcap.gz (gzip stream is corrupt", "more.pcap (folder)"):  # fmt: skip
        assert skipped in note, note
    assert "old.cap (not a pcap or pcapng file (magic 736e6f6f))" in note
    assert note.count("engine='tshark'") == 1
    for name in captures:
        assert name + " (" not in note

    total = sum(captures.values())
    with pytest.warns(wb.capture.CaptureWarning, match="readme.capture.txt"):
        scanned = wb.scan(folder, cache_dir=tmp_path / "cache").collect()
    assert scanned.height == total
    with pytest.warns(wb.capture.CaptureWarning, match="more.pcap \\(folder\\)"):
        ingested = ingest(folder, tmp_path / "dataset", progress=False).collect()
    assert ingested.height == total
    assert ingested["ts"].is_sorted()  # ordered by each file's first packet


def test_a_folder_of_captures_only_warns_nothing(tmp_path, recwarn) -> None:
    folder = tmp_path / "clean"
    folder.mkdir()
    (folder / "x").write_bytes(pcap(_frames(BASE, 2)))
    assert [p.name for p in expand(folder)] == ["x"]
    assert not [w for w in recwarn if issubclass(w.category, wb.capture.CaptureWarning)]
