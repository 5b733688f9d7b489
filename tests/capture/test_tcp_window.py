"""The TCP receive window (``tcp_window``): the field as sent, the same as tshark's
``tcp.window_size_value``, and null where no TCP window was captured: not TCP, a non-first
fragment, a header the snaplen cut after its flags (an IPv6 segment at tcpdump's old default
snaplen of 68 bytes). A window of 0 means a receiver that takes nothing more: an unknown one
must never read as 0. Datasets ingested before the column existed read it as null."""

from __future__ import annotations

import ipaddress
import shutil
import sys
from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from workbench.capture.crosscheck import crosscheck
from workbench.capture.scan import scan_datasets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pcapbuild import ether, ipv4, ipv6, pcap, tcp, udp

T0 = 1_700_000_000.0
A, B = "10.0.0.1", "10.0.0.2"
ACK, SYN = 0x10, 0x02


def _frames() -> list[tuple[float, bytes]]:
    return [
        (T0, ether(ipv4(A, B, 6, tcp(40000, 80, ACK, window=0)))),
        (T0 + 0.1, ether(ipv4(A, B, 6, tcp(40000, 80, ACK, window=1)))),
        (T0 + 0.2, ether(ipv4(B, A, 6, tcp(80, 40000, SYN | ACK, window=65535)))),
        (T0 + 0.3, ether(ipv4(A, B, 17, udp(5000, 53, b"q")))),
        # a non-first fragment of a TCP segment: no header in it
        (T0 + 0.4, ether(ipv4(A, B, 6, bytes(64), flags_frag=0x0008))),
    ]


def _path(tmp_path: Path, frames, **kw) -> Path:
    path = tmp_path / "windows.pcap"
    path.write_bytes(pcap(frames, **kw))
    return path


def test_the_window_as_sent_and_null_where_there_is_none(tmp_path) -> None:
    packets = wb.load(_path(tmp_path, _frames()), progress=False).packets
    assert packets["tcp_window"].to_list() == [0, 1, 65535, None, None]


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
def test_tshark_reads_the_same_windows(tmp_path) -> None:
    path = _path(tmp_path, _frames())
    assert crosscheck(path, n=None).is_empty()


def test_a_header_cut_after_its_flags_has_no_window_not_a_zero_one(tmp_path) -> None:
    a, b = (ipaddress.IPv6Address(x).packed for x in ("2001:db8::1", "2001:db8::2"))
    segment = ether(ipv6(a, b, 6, tcp(40000, 80, ACK, window=0)), ethertype=0x86DD)
    # 14 + 40 + 14 bytes: the flags are captured, the window is not (as at a snaplen of 68)
    path = _path(tmp_path, [(T0, segment[:68]), (T0 + 1, segment[:70])], snaplen=70)
    packets = wb.load(path, progress=False).packets
    assert packets["tcp_flags"].to_list() == [ACK, ACK]
    assert packets["tcp_window"].to_list() == [None, 0]


def test_a_dataset_ingested_before_the_column_reads_it_as_null(tmp_path) -> None:
    dataset = tmp_path / "old"
    (dataset / "hour=0").mkdir(parents=True)
    packets = wb.load(_path(tmp_path, _frames()), progress=False).packets
    packets.drop("tcp_window").write_parquet(dataset / "hour=0" / "part-0.parquet")
    read = scan_datasets([dataset]).collect()
    assert read.columns == packets.columns
    assert read["tcp_window"].null_count() == read.height
    assert read.drop("tcp_window").equals(packets.drop("tcp_window"))
    assert read.schema == pl.Schema(wb.capture.PACKET_SCHEMA)
