"""Bad input: a clear workbench error naming file and offset, or a partial load that says so.

Never a crash, a hang, or an IndexError from inside a kernel.
"""

from __future__ import annotations

import os
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pcapbuild import epb, ether, idb, ipv4, pcap, shb, tcp, udp

import workbench as wb
from workbench.capture import CaptureWarning

FRAME = ether(ipv4("192.0.2.1", "203.0.113.10", 17, udp(53, 4444, b"x" * 60)))
GOOD = pcap([(1.0 + i, FRAME) for i in range(10)])
RECORD = 16 + len(FRAME)


def _write(tmp_path, data: bytes, name: str = "bad.pcap"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _partial(path, expected_packets: int, match: str) -> wb.Capture:
    with pytest.warns(CaptureWarning, match=match) as record:
        cap = wb.load(path)
    assert cap.packets.height == expected_packets
    message = str(record[0].message)
    assert str(path) in message and "byte offset" in message
    return cap


def test_empty_file(tmp_path) -> None:
    path = _write(tmp_path, b"")
    with pytest.raises(wb.CaptureFormatError, match="empty") as err:
        wb.load(path)
    assert err.value.path == str(path) and err.value.offset == 0


def test_header_cut_short(tmp_path) -> None:
    with pytest.raises(wb.CaptureFormatError, match="header cut short"):
        wb.load(_write(tmp_path, GOOD[:20]))


def test_wrong_magic_is_a_valueerror_too(tmp_path) -> None:
    path = _write(tmp_path, b"GIF89a" + b"\0" * 100, "picture.pcap")
    with pytest.raises(ValueError, match=r"not a pcap or pcapng.*magic 47494638"):
        wb.load(path)


def test_record_cut_midway_keeps_earlier_packets(tmp_path) -> None:
    path = _write(tmp_path, GOOD[: 24 + 3 * RECORD + 30])
    cap = _partial(path, 3, "cut short")
    assert cap.meta.files[0].fault_offset == 24 + 3 * RECORD
    with pytest.raises(wb.CaptureFormatError) as err:
        wb.load(path, strict=True)
    assert err.value.packets_read == 3 and err.value.offset == 24 + 3 * RECORD


def test_record_header_cut(tmp_path) -> None:
    _partial(_write(tmp_path, GOOD[: 24 + 2 * RECORD + 9]), 2, "record header cut short")


def test_absurd_captured_length(tmp_path) -> None:
    data = bytearray(GOOD)
    struct.pack_into("<I", data, 24 + 4 * RECORD + 8, 0x7FFFFFF0)
    cap = _partial(_write(tmp_path, bytes(data)), 4, "absurdly large")
    assert cap.meta.files[0].fault_offset == 24 + 4 * RECORD + 8


def test_captured_length_over_snaplen_is_reported(tmp_path) -> None:
    data = pcap([(1.0, FRAME)], snaplen=64)
    with pytest.warns(CaptureWarning, match="over the snaplen"):
        cap = wb.load(_write(tmp_path, data))
    assert cap.packets.height == 1


def test_pcapng_block_with_bad_length(tmp_path) -> None:
    good = shb() + idb(1) + epb(0, 1, FRAME) + epb(0, 2, FRAME)
    data = bytearray(good)
    second = len(shb() + idb(1) + epb(0, 1, FRAME))
    struct.pack_into("<I", data, second + 4, 13)  # not a multiple of 4
    cap = _partial(_write(tmp_path, bytes(data), "b.pcapng"), 1, "block length invalid")
    assert cap.meta.files[0].fault_offset == second + 4


def test_pcapng_truncated_block(tmp_path) -> None:
    good = shb() + idb(1) + epb(0, 1, FRAME) + epb(0, 2, FRAME)
    _partial(_write(tmp_path, good[:-10], "t.pcapng"), 1, "past the end")


def test_pcapng_packet_for_unknown_interface(tmp_path) -> None:
    _partial(
        _write(tmp_path, shb() + idb(1) + epb(3, 1, FRAME), "i.pcapng"),
        0,
        "interface not described",
    )


def test_missing_file(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file"):
        wb.load(tmp_path / "nope.pcap")


def test_directory(tmp_path) -> None:
    with pytest.raises(wb.CaptureNotFoundError, match="is a directory"):
        wb.load(tmp_path)


def test_random_bytes(tmp_path) -> None:
    with pytest.raises(wb.CaptureFormatError):
        wb.load(_write(tmp_path, os.urandom(4096)))


def test_corrupt_gzip(tmp_path) -> None:
    with pytest.raises(wb.CaptureFormatError, match="gzip stream is corrupt"):
        wb.load(_write(tmp_path, b"\x1f\x8b\x08\x00" + os.urandom(200), "x.pcap.gz"))


def _load_any(path) -> None:
    """Loading must end in a frame or a workbench error; nothing else escapes."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            cap = wb.load(path)
        except wb.WorkbenchError:
            return
    assert cap.packets.height <= 64
    assert cap.packets.schema == wb.capture.PACKET_SCHEMA


PCAPNG_SEED = (
    shb()
    + idb(1)
    + epb(0, 1, FRAME)
    + epb(0, 2, ether(ipv4("192.0.2.1", "192.0.2.2", 6, tcp(1, 2, 2))))
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.sampled_from([GOOD, PCAPNG_SEED]),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=12),
    cut=st.integers(0, 10_000),
)
def test_fuzz_flipped_and_truncated_bytes(tmp_path, seed: bytes, flips, cut: int) -> None:
    data = bytearray(seed)
    for position, value in flips:
        data[position % len(data)] = value
    _load_any(_write(tmp_path, bytes(data[: max(cut, 1)] if cut < len(data) else data), "fuzz.bin"))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tail=st.binary(min_size=0, max_size=600),
    magic=st.sampled_from([GOOD[:24], shb() + idb(1), shb(">")]),
)
def test_fuzz_random_records_after_valid_header(tmp_path, tail: bytes, magic: bytes) -> None:
    _load_any(_write(tmp_path, magic + tail, "fuzz2.bin"))


def test_kernels_without_jit(tmp_path) -> None:
    """The same reader logic, interpreted (NUMBA_DISABLE_JIT=1), so coverage sees kernel code."""
    import subprocess
    import sys

    path = _write(tmp_path, GOOD[: 24 + 3 * RECORD + 30])
    code = (
        "import warnings, workbench as wb\n"
        "warnings.simplefilter('ignore')\n"
        f"c = wb.load({str(path)!r})\n"
        "print(c.packets.height, c.packets['sport'].to_list(), c.meta.files[0].fault_offset)\n"
    )
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[0] == "3" and "[53, 53, 53]" in out.stdout
    assert out.stdout.strip().endswith(str(24 + 3 * RECORD))
