"""The tshark engine reads whatever tshark reads, and says when tshark stopped early (issue 20,
defects 2 and 4). The captures are written here and converted by ``editcap -F``."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from pcapbuild import ether, ipv4, ipv6, pcap, tcp, udp

import workbench as wb
from workbench.capture import tshark_engine

# formats editcap writes from an Ethernet pcap that the fast reader does not read, and that keep
# every field of these packets (sizes, microsecond times)
FORMATS = ["snoop", "netmon2", "5views", "nettl"]
V6A = bytes.fromhex("20010db8" + "00" * 11 + "0a")
V6B = bytes.fromhex("20010db8" + "00" * 11 + "0b")


def _frames() -> list[tuple[float, bytes]]:
    out = []
    for k in range(60):
        t = 1_700_000_000 + k * 0.0137
        if k % 3 == 0:
            l3 = ipv4("198.51.100.7", "203.0.113.5", 17, udp(53, 40000 + k, b"a" * (40 + k)))
            out.append((t, ether(l3)))
        elif k % 3 == 1:
            l3 = ipv4("192.0.2.9", "203.0.113.5", 6, tcp(5000 + k, 443, 0x02))
            out.append((t, ether(l3)))
        else:
            out.append((t, ether(ipv6(V6A, V6B, 17, udp(123, 80, b"b" * k)), ethertype=0x86DD)))
    return out


def _editcap(source: Path, target: Path, fmt: str) -> None:
    editcap = shutil.which("editcap")
    if editcap is None:
        pytest.skip("editcap is not installed")
    subprocess.run([editcap, "-F", fmt, str(source), str(target)], check=True, capture_output=True)


def _converted(tmp_path: Path, fmt: str) -> tuple[Path, Path]:
    original = tmp_path / "written.pcap"
    original.write_bytes(pcap(_frames()))
    converted = tmp_path / f"written.{fmt}"
    _editcap(original, converted, fmt)
    return original, converted


def _check(frame, meta, original: Path, converted: Path, fmt: str) -> None:
    assert frame.equals(wb.load(original).packets), (
        fmt
    )  # every field, as the fast reader reads the pcap
    assert meta.sha256 == hashlib.sha256(converted.read_bytes()).hexdigest()  # the file as given
    assert meta.size == converted.stat().st_size and meta.path == str(converted)
    assert meta.format == fmt and meta.compression is None
    assert meta.packets == 60 and meta.warnings == []
    assert meta.start.startswith("2023-11-14T22:13:20.000000")


@pytest.mark.tshark
@pytest.mark.parametrize("fmt", FORMATS)
def test_tshark_engine_reads_formats_the_fast_reader_does_not(tmp_path, tshark, fmt: str) -> None:
    original, converted = _converted(tmp_path, fmt)
    with pytest.raises(wb.CaptureFormatError, match="engine='tshark'"):
        wb.load(converted)  # the fast reader does not know it, and says which engine does
    _check(*tshark_engine.read_file(converted), original, converted, fmt)


@pytest.mark.tshark
@pytest.mark.parametrize("fmt", FORMATS)
def test_load_engine_tshark_accepts_formats_the_fast_reader_does_not(
    tmp_path, tshark, fmt: str
) -> None:
    """``wb.load(engine="tshark")`` hands the file to tshark without sniffing it first."""
    original, converted = _converted(tmp_path, fmt)
    cap = wb.load(converted, engine="tshark")
    assert cap.meta.engine == "tshark"
    _check(cap.packets, cap.meta.files[0], original, converted, fmt)


def _cut(frames: list[tuple[float, bytes]], keep: int) -> bytes:
    """A pcap cut short in the middle of record ``keep`` (0-based): ``keep`` whole packets."""
    whole = pcap(frames[:keep])
    partial = pcap(frames[: keep + 1])
    return partial[: len(whole) + 16 + 5]  # the record header and 5 bytes of the frame


@pytest.mark.tshark
def test_failed_tshark_run_warns_with_its_message_and_the_packets_read(tmp_path, tshark) -> None:
    path = tmp_path / "cut.pcap"
    path.write_bytes(_cut(_frames(), 41))
    with pytest.warns(wb.capture.CaptureWarning) as caught:
        cap = wb.load(path, engine="tshark")
    assert cap.packets.height == 41
    messages = [str(w.message) for w in caught if w.category is wb.capture.CaptureWarning]
    assert len(messages) == 1, messages
    message = messages[0]
    assert str(path) in message and "after 41 packets" in message
    assert "cut short in the middle of a packet" in message  # tshark's own words
    assert "Running as user" not in message

    # the frame kept is the packets before the fault, as the fast reader reads them
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert cap.packets.equals(wb.load(path).packets)

    # read_file keeps the message in the file's metadata; strict=True raises instead
    frame, meta = tshark_engine.read_file(path)
    assert frame.height == meta.packets == 41 and len(meta.warnings) == 1
    assert "after 41 packets" in meta.warnings[0]
    with pytest.raises(wb.CaptureFormatError, match="cut short") as raised:
        tshark_engine.read_file(path, strict=True)
    assert raised.value.packets_read == 41 and "byte offset" not in str(raised.value)


@pytest.mark.tshark
def test_failed_tshark_run_on_a_format_only_tshark_reads_warns_too(tmp_path, tshark) -> None:
    original = tmp_path / "written.pcap"
    original.write_bytes(pcap(_frames()))
    snoop = tmp_path / "written.snoop"
    _editcap(original, snoop, "snoop")
    cut = tmp_path / "cut.snoop"
    cut.write_bytes(snoop.read_bytes()[:-7])  # the last record loses its end
    with pytest.warns(wb.capture.CaptureWarning, match=r"after 59 packets: .*cut short"):
        cap = wb.load(cut, engine="tshark")
    assert cap.packets.height == 59
    assert "after 59 packets" in cap.meta.files[0].warnings[0]


@pytest.mark.tshark
def test_a_display_filter_run_that_stops_early_warns(tmp_path, tshark) -> None:
    path = tmp_path / "cut.pcap"
    path.write_bytes(_cut(_frames(), 41))
    with pytest.warns(wb.capture.CaptureWarning, match="after 14 packets matching the filter"):
        table = tshark_engine.tshark_fields(path, ["frame.number"], display_filter="udp && ip")
    assert table.height == 14  # every third of the 41 packets read is IPv4/UDP


@pytest.mark.tshark
def test_tshark_engine_shows_how_far_it_has_read(
    tmp_path, tshark, monkeypatch, progress_bars
) -> None:
    # 30,000 frames in snoop, a format only tshark reads (about a second of its work): the bar
    # follows the offset tshark reads the evidence at, to the end; none for a small capture
    original = tmp_path / "big.pcap"
    original.write_bytes(pcap(_frames() * 500))
    converted = tmp_path / "big.snoop"
    _editcap(original, converted, "snoop")
    monkeypatch.setattr(tshark_engine, "PROGRESS_POLL_S", 0.005)
    cap = wb.load(converted, engine="tshark", progress=True)
    assert cap.packets.height == 30_000
    [bar] = progress_bars
    size = converted.stat().st_size
    assert bar.total == size and bar.n == size and bar.closed
    assert bar.seen == sorted(bar.seen) and len({n for n in bar.seen if 0 < n < size}) >= 5
    wb.load(converted, engine="tshark")  # 3 MB: under the size that gets a bar
    assert len(progress_bars) == 1
