"""``load`` says before it starts when a capture will not fit in memory, and points to ``scan``."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench.capture import memory
from workbench.capture.reader import CaptureWarning
from workbench.errors import CaptureTooLargeError

SAMPLES = Path(__file__).resolve().parents[2] / "sample_pcaps"


@pytest.mark.parametrize(
    "name", ["mailprovider_2015.pcapng.gz", "reflection_mix.pcap", "saturation.pcapng"]
)
def test_the_estimate_is_near_the_packets_read(name) -> None:
    # compressed, pcap and pcapng: within 10 % of what the reader finds (tshark agrees with it)
    truth = wb.load(SAMPLES / name).packets.height
    assert abs(memory.estimate(SAMPLES / name).packets - truth) <= 0.1 * truth


def test_a_capture_too_large_is_refused_before_reading(monkeypatch) -> None:
    sample = SAMPLES / "mailprovider_2015.pcapng.gz"
    monkeypatch.setattr(memory, "available", lambda: 5_000_000)  # 5 MB left
    read = []
    monkeypatch.setattr(
        "workbench.capture.reader.read_file",
        lambda *a, **k: read.append(a) or (_ for _ in ()).throw(AssertionError),
    )
    with pytest.raises(CaptureTooLargeError) as refused:
        wb.load(sample)
    message = str(refused.value)
    assert str(sample) in message and "wb.scan" in message and "GB is available" in message
    assert isinstance(refused.value, MemoryError) and read == []  # not a byte parsed
    # the analyst may insist; scan needs no such room
    monkeypatch.undo()
    assert wb.load(sample, check_memory=False).packets.height == 179_350


def test_a_frame_that_fits_but_an_analysis_that_may_not_is_a_warning(monkeypatch) -> None:
    sample = SAMPLES / "reflection_mix.pcap"
    packets = memory.estimate(sample).packets
    monkeypatch.setattr(memory, "available", lambda: packets * (memory.FRAME_BYTES * 3))
    with pytest.warns(CaptureWarning, match="analysing them in memory"):
        assert wb.load(sample).packets.height == 10_728


def test_a_plain_capture_needs_room_for_its_frame_a_compressed_one_for_twice(
    monkeypatch, tmp_path
) -> None:
    # a plain capture is decoded into the frame's own columns; a compressed one is read in
    # chunks that are then joined (two frames at once)
    import gzip

    plain = SAMPLES / "reflection_mix.pcap"
    packed = tmp_path / "reflection_mix.pcap.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    packets = memory.estimate(plain).packets
    assert memory.estimate(packed).compressed and not memory.estimate(plain).compressed
    monkeypatch.setattr(memory, "available", lambda: int(packets * memory.FRAME_BYTES * 1.6))
    with pytest.warns(CaptureWarning, match="analysing them in memory"):
        assert wb.load(plain).packets.height == 10_728
    with pytest.raises(CaptureTooLargeError):
        wb.load(packed)


def test_damaged_or_foreign_files_are_left_to_the_reader(tmp_path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a capture")
    assert memory.estimate(junk).packets == 0
    with pytest.raises(wb.WorkbenchError, match="not a pcap or pcapng"):
        wb.load(junk)
