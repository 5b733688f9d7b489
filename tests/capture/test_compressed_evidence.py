"""Compressed evidence read as a stream: every codec, real bytes cut short or damaged.

A compressed capture cut short keeps every packet the decompressed prefix holds (what
``gzip -dc | tshark`` reads), with one warning naming the file and both offsets; memory
stays bounded by the window, not the capture; the hash is of the file as given.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import shutil
import subprocess
import tracemalloc

import polars as pl
import pytest
import zstandard
from pcapbuild import ether, ipv4, pcap, udp

import workbench as wb
from workbench.capture import CaptureWarning, decompress, open_dataset
from workbench.capture.ingest import ingest
from workbench.capture.reader import FileMeta, iter_frames
from workbench.capture.source import open_evidence

SAMPLES = wb.__path__[0] + "/../sample_pcaps"
MAIL_GZ = f"{SAMPLES}/mailprovider_2015.pcapng.gz"
SATURATION = f"{SAMPLES}/saturation.pcapng"
FRAGMENTS = f"{SAMPLES}/fragments.pcap"

COMPRESS = {
    "gzip": gzip.compress,
    "bzip2": lambda b: bz2.compress(b, 1),
    "xz": lambda b: lzma.compress(b, preset=1),
    "zstd": lambda b: zstandard.ZstdCompressor(write_checksum=True).compress(b),
}


def _decompress_prefix(kind: str, data: bytes) -> bytes:
    """What the codec's own tool writes out of a damaged stream (``gzip -dc`` ...): the reference."""
    tool = {"gzip": "gzip", "bzip2": "bzip2", "xz": "xz", "zstd": "zstd"}[kind]
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    return subprocess.run([tool, "-dc"], input=data, capture_output=True).stdout


def _load_quiet(path) -> wb.Capture:
    with pytest.warns(CaptureWarning):
        return wb.load(path)


@pytest.fixture(scope="module")
def mail_plain() -> bytes:
    return gzip.decompress(open(MAIL_GZ, "rb").read())


@pytest.fixture(scope="module")
def mail_packed(mail_plain) -> dict[str, bytes]:
    """The bundled capture compressed with each codec (compressed once per module)."""
    return {kind: compress(mail_plain) for kind, compress in COMPRESS.items()}


@pytest.fixture(scope="module")
def mail_frame() -> pl.DataFrame:
    return wb.load(MAIL_GZ).packets


@pytest.mark.parametrize("kind", list(COMPRESS))
@pytest.mark.parametrize("sample", [SATURATION, FRAGMENTS], ids=["pcapng", "pcap"])
def test_every_codec_reads_like_the_plain_file(tmp_path, kind, sample) -> None:
    plain = open(sample, "rb").read()
    path = tmp_path / f"evidence.{kind}"
    path.write_bytes(COMPRESS[kind](plain))
    cap = wb.load(path)
    assert cap.packets.equals(wb.load(sample).packets)
    meta = cap.meta.files[0]
    assert meta.compression == kind and not meta.warnings
    assert meta.size == path.stat().st_size
    assert meta.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # the file as given


def test_bundled_gzip_cut_to_3mb_keeps_what_gzip_dc_recovers(tmp_path, mail_frame) -> None:
    path = tmp_path / "cut.pcapng.gz"
    path.write_bytes(open(MAIL_GZ, "rb").read()[:3_000_000])
    with pytest.warns(CaptureWarning) as record:
        cap = wb.load(path)
    # measured: `gzip -dc cut.gz` gives 11,750,169 bytes, in which tshark reads 101,998 packets
    assert cap.packets.height == 101_998
    message = str(record[0].message)
    assert str(path) in message
    assert "gzip stream ends early (file truncated?)" in message
    assert "compressed byte offset 3000000" in message
    assert "uncompressed byte offset 11750169" in message
    assert "kept the 101998 packets" in message
    assert len(record) == 1  # the record cut short at the end is the same damage, not a second
    assert cap.packets.equals(mail_frame.head(cap.packets.height))
    assert cap.meta.files[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_cut_gzip_matches_gzip_dc_piped_to_tshark(tmp_path) -> None:
    path = tmp_path / "cut.pcapng.gz"
    path.write_bytes(open(MAIL_GZ, "rb").read()[:1_000_000])
    prefix = subprocess.run(["gzip", "-dc"], input=path.read_bytes(), capture_output=True).stdout
    counted = subprocess.run(
        ["tshark", "-r", "-", "-T", "fields", "-e", "frame.number"],
        input=prefix,
        capture_output=True,
    ).stdout.split()
    assert _load_quiet(path).packets.height == len(counted) > 0


@pytest.mark.parametrize("kind", list(COMPRESS))
def test_every_codec_cut_short_keeps_the_decompressed_prefix(tmp_path, kind, mail_packed) -> None:
    packed = mail_packed[kind]
    cut = packed[: len(packed) // 2]
    path = tmp_path / f"cut.{kind}"
    path.write_bytes(cut)
    reference = tmp_path / "prefix.pcapng"
    reference.write_bytes(_decompress_prefix(kind, cut))
    expected = _load_quiet(reference).packets
    with pytest.warns(CaptureWarning, match=f"{kind} stream ends early") as record:
        cap = wb.load(path)
    # at least what the tool writes out (bzip2 -dc holds back its last partial buffer)
    assert cap.packets.height >= expected.height > 50_000
    assert cap.packets.head(expected.height).equals(expected)
    message = str(record[0].message)
    assert f"compressed byte offset {len(cut)}" in message and str(path) in message


@pytest.mark.parametrize("kind", list(COMPRESS))
def test_every_codec_corrupt_midway_keeps_what_precedes(
    tmp_path, kind, mail_packed, mail_frame
) -> None:
    packed = bytearray(mail_packed[kind])
    at = len(packed) // 3
    for k in range(at, at + 64):  # a damaged sector
        packed[k] ^= 0x5A
    path = tmp_path / f"bad.{kind}"
    path.write_bytes(bytes(packed))
    with pytest.warns(CaptureWarning, match=f"{kind} stream|byte offset") as record:
        cap = wb.load(path)
    kept = cap.packets.height
    assert kept > 0
    # a codec checks its data at the end of a block or frame: the few records just before the
    # check may be the damage's garbage (as `zstd -dc` writes them too); all before are intact
    intact = kept - 16
    assert cap.packets.head(intact).equals(mail_frame.head(intact))
    message = str(record[0].message)
    assert str(path) in message and "byte offset" in message
    if kind == "gzip":  # located to the byte, every packet before the damage kept
        reference = tmp_path / "prefix.pcapng"
        reference.write_bytes(_decompress_prefix(kind, bytes(packed)))
        assert cap.packets.height == _load_quiet(reference).packets.height
        assert "gzip stream is corrupt" in message and "uncompressed byte offset" in message


def test_strict_raises_with_the_compressed_offset(tmp_path) -> None:
    path = tmp_path / "cut.pcapng.gz"
    path.write_bytes(open(MAIL_GZ, "rb").read()[:500_000])
    with pytest.raises(wb.CaptureFormatError, match="ends early") as err:
        wb.load(path, strict=True)
    assert err.value.offset == 500_000 and err.value.packets_read > 0


def test_nothing_decompresses_is_an_error_naming_the_codec(tmp_path) -> None:
    for kind, junk in [
        ("gzip", b"\x1f\x8b\x08\x00" + b"\xff" * 50),
        ("xz", b"\xfd7zXZ\x00" + b"\1" * 50),
    ]:
        path = tmp_path / f"junk.{kind}"
        path.write_bytes(junk)
        with pytest.raises(wb.CaptureFormatError, match=f"{kind} stream is corrupt"):
            wb.load(path)


def test_concatenated_members_and_trailing_garbage(tmp_path) -> None:
    frame = ether(ipv4("192.0.2.1", "203.0.113.10", 17, udp(53, 4444, b"x" * 60)))
    plain = pcap([(1.0 + i, frame) for i in range(40)])
    half = 24 + 20 * (16 + len(frame))
    path = tmp_path / "two_members.pcap.gz"
    path.write_bytes(
        gzip.compress(plain[:half]) + gzip.compress(plain[half:])
    )  # as `cat a.gz b.gz`
    assert wb.load(path).packets.height == 40
    path.write_bytes(gzip.compress(plain) + b"\0" * 512)  # tape padding: ignored, as gzip does
    assert wb.load(path).packets.height == 40
    path.write_bytes(gzip.compress(plain) + b"not gzip at all")
    with pytest.warns(CaptureWarning, match="after its end that are not another gzip stream"):
        assert wb.load(path).packets.height == 40


def test_small_window_reads_records_across_refills(monkeypatch, mail_frame) -> None:
    monkeypatch.setattr(decompress, "WINDOW", 4096)  # every few records straddle two windows
    cap = wb.load(MAIL_GZ)
    assert cap.packets.equals(mail_frame)
    assert cap.meta.files[0].interface_names == ["capture-point"]


def test_memory_is_bounded_by_the_window_not_the_capture(monkeypatch) -> None:
    monkeypatch.setattr(decompress, "WINDOW", 1 << 20)
    ev = open_evidence(MAIL_GZ, hash_contents=False)
    meta = FileMeta(MAIL_GZ, "", ev.size, ev.format, ev.compression, [], 0)
    tracemalloc.start()
    try:
        for _ in iter_frames(ev, meta, chunk_records=4096):
            pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        ev.close()
    assert meta.packets == 179_350
    # 21 MB decompressed; the old reader held all of it at once
    assert peak < 6 << 20, f"peak {peak / 2**20:.1f} MiB"


def test_scan_and_ingest_keep_the_packets_of_a_cut_gzip(tmp_path) -> None:
    path = tmp_path / "cut.pcapng.gz"
    path.write_bytes(open(MAIL_GZ, "rb").read()[:3_000_000])
    lazy = wb.scan(path, cache_dir=tmp_path / "cache", progress=False)
    assert lazy.select(pl.len()).collect().item() == 101_998
    lazy = ingest(path, tmp_path / "dataset", progress=False)
    assert lazy.select(pl.len()).collect().item() == 101_998
    _, meta = open_dataset(tmp_path / "dataset")
    assert any("ends early" in w for w in meta.warnings)
