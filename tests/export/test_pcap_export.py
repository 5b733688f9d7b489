"""The attack's packets out as pcapng (``wb.export.pcap``, ``workbench analyze --pcap``): the
evidence's own bytes, times, lengths and interfaces, each packet commented with its vector, the
section with the evidence block; read back by tshark and capinfos, and by a reader written here
from the pcap and pcapng specifications (not the workbench's)."""

from __future__ import annotations

import gzip
import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import workbench as wb
from workbench.errors import CaptureError, ParameterError

SAMPLES = Path(__file__).resolve().parents[2] / "sample_pcaps"
REFLECTION = SAMPLES / "reflection_mix.pcap"
MAILPROVIDER = SAMPLES / "mailprovider_2015.pcapng.gz"


def pcap_records(data: bytes) -> list[tuple[int, int, bytes]]:
    """(time in ns, wire length, bytes) of each record of a little-endian microsecond pcap."""
    assert data[:4] == b"\xd4\xc3\xb2\xa1"
    out, pos = [], 24
    while pos < len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, pos)
        out.append((sec * 10**9 + usec * 1000, orig, data[pos + 16 : pos + 16 + incl]))
        pos += 16 + incl
    return out


def pcapng_blocks(data: bytes) -> dict:
    """A little-endian pcapng file's section comment, interfaces (link type, tsresol) and packets
    (interface, time in units, wire length, bytes, comment)."""
    out = {"comment": None, "interfaces": [], "packets": []}
    pos = 0
    while pos < len(data):
        kind, size = struct.unpack_from("<II", data, pos)
        body = data[pos + 8 : pos + size - 4]
        if kind == 0x0A0D0D0A:
            options = body[16:]
        elif kind == 1:
            options = body[8:]
            out["interfaces"].append({"link": struct.unpack_from("<H", body)[0], "tsresol": 6})
        elif kind == 6:
            iface, hi, lo, cap, wire = struct.unpack_from("<IIIII", body)
            packet = {"iface": iface, "ts": (hi << 32) | lo, "wire": wire,
                      "bytes": body[20 : 20 + cap], "comment": None}  # fmt: skip
            out["packets"].append(packet)
            options = body[20 + cap + (-cap % 4) :]
        else:
            options = b""
        at = 0
        while at + 4 <= len(options):
            code, length = struct.unpack_from("<HH", options, at)
            value = options[at + 4 : at + 4 + length]
            if code == 0:
                break
            if code == 1 and kind == 0x0A0D0D0A:
                out["comment"] = value.decode()
            elif code == 1 and kind == 6:
                out["packets"][-1]["comment"] = value.decode()
            elif code == 9 and kind == 1:
                out["interfaces"][-1]["tsresol"] = value[0]
            at += 4 + length + (-length % 4)
        pos += size
    return out


@pytest.fixture(scope="module")
def reflection():
    capture = wb.load(REFLECTION)
    return capture, wb.analyze(capture)


def test_attack_packets_are_the_evidence_bytes(tmp_path, reflection, tshark) -> None:
    capture, report = reflection
    path = wb.export.pcap(capture, report, tmp_path / "attack.pcapng")
    labelled = report.packets.with_row_index("packet").filter(
        report.packets["vector"].is_not_null()
    )
    assert 0 < labelled.height < capture.packets.height  # the baseline's packets stay out
    written = pcapng_blocks(path.read_bytes())
    original = pcap_records(REFLECTION.read_bytes())
    assert written["interfaces"] == [{"link": 1, "tsresol": 9}]
    assert len(written["packets"]) == labelled.height
    rows = zip(written["packets"], labelled["packet"], labelled["vector"], strict=True)
    for packet, number, vector in rows:
        ts, wire, frame = original[number]
        assert (packet["ts"], packet["wire"], packet["bytes"]) == (ts, wire, frame)
        assert packet["comment"] == f"vector: {vector}"
    # the section says where the packets came from
    evidence = json.loads(written["comment"])
    assert evidence["inputs"][0]["sha256"] == capture.meta.files[0].sha256
    assert evidence["selection"]["packets"] == labelled.height
    # tshark reads it whole, and filters on the comments
    done = subprocess.run(
        [tshark, "-r", str(path), "-Y", 'frame.comment contains "cldap"', "-T", "fields",
         "-e", "frame.number"], capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert (
        len(done.stdout.split())
        == labelled.filter(labelled["vector"] == "cldap_amplification").height
    )
    assert "appears to" not in done.stderr and "cut short" not in done.stderr


def test_some_vectors_of_a_compressed_pcapng(tmp_path, tshark) -> None:
    # the bundled mail-provider sample (gzip, pcapng, 96-byte snaplen): its SYN flood only
    capture = wb.load(MAILPROVIDER)
    report = wb.analyze(capture, link_capacity="3M")
    path = wb.export.pcap(capture, report, tmp_path / "syn.pcapng", vectors=["syn_flood"])
    syn = report.packets.with_row_index("packet").filter(report.packets["vector"] == "syn_flood")
    written = pcapng_blocks(path.read_bytes())
    assert {p["comment"] for p in written["packets"]} == {"vector: syn_flood"}
    assert [p["ts"] for p in written["packets"]] == syn["ts"].dt.epoch("ns").to_list()
    # its own IDBs read through gzip: the sample's bytes, as tshark shows them
    raw = gzip.decompress(MAILPROVIDER.read_bytes())
    tmp = tmp_path / "plain.pcapng"
    tmp.write_bytes(raw)
    fields = ["frame.len", "frame.cap_len", "ip.src", "tcp.flags", "frame.time_epoch"]
    args = [x for f in fields for x in ("-e", f)]
    mine = subprocess.run([tshark, "-r", str(path), "-T", "fields", *args],
                          capture_output=True, text=True, check=True).stdout.splitlines()  # fmt: skip
    keep = ",".join(str(n + 1) for n in syn["packet"].to_list()[:50])
    theirs = subprocess.run([tshark, "-r", str(tmp), "-Y", f"frame.number in {{{keep}}}", "-T",
                             "fields", *args], capture_output=True, text=True, check=True)  # fmt: skip
    assert mine[:50] == theirs.stdout.splitlines()


def test_packet_numbers_across_two_files(tmp_path, tshark) -> None:
    capture = wb.load([REFLECTION, MAILPROVIDER])
    first = capture.meta.files[0].packets
    numbers = [0, 5, first - 1, first, first + 10]
    path = wb.export.pcap(capture, numbers, tmp_path / "chosen.pcapng")
    written = pcapng_blocks(path.read_bytes())
    assert len(written["interfaces"]) == 2  # one per input file's interface
    assert [p["iface"] for p in written["packets"]] == [0, 0, 0, 1, 1]
    assert [p["comment"] for p in written["packets"]] == [None] * 5
    ts = capture.packets["ts"].dt.epoch("ns").gather(numbers).to_list()
    assert [p["ts"] for p in written["packets"]] == ts


def test_changed_evidence_is_refused(tmp_path, reflection) -> None:
    copy = tmp_path / "copy.pcap"
    shutil.copyfile(REFLECTION, copy)
    capture = wb.load(copy)
    data = bytearray(copy.read_bytes())
    data[-1] ^= 0xFF  # one byte of the last packet
    copy.write_bytes(bytes(data))
    target = tmp_path / "out.pcapng"
    with pytest.raises(CaptureError, match="changed since it was loaded"):
        wb.export.pcap(capture, [0, 1], target)
    assert not target.exists() and not list(tmp_path.glob(".out.pcapng.*"))


def test_wrong_selections_say_what_is_wanted(tmp_path, reflection) -> None:
    capture, report = reflection
    with pytest.raises(ParameterError, match="packet 99999999 is not in the capture"):
        wb.export.pcap(capture, [99_999_999], tmp_path / "x.pcapng")
    with pytest.raises(ParameterError, match="rows and the capture"):
        wb.export.pcap(capture, report.packets.head(10), tmp_path / "x.pcapng")
    with pytest.raises(ParameterError, match="no packets"):
        wb.export.pcap(capture, wb.Report.from_json(report.to_json()), tmp_path / "x.pcapng")


def test_cli_writes_the_attack_packets(tmp_path) -> None:
    target = tmp_path / "attack.pcapng"
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "analyze", str(REFLECTION), "--pcap", str(target)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "attack packets (pcapng)" in done.stderr and str(target) in done.stderr
    written = pcapng_blocks(target.read_bytes())
    assert len(written["packets"]) > 1000
    assert all(p["comment"].startswith("vector: ") for p in written["packets"])


def test_a_format_only_tshark_reads_is_refused(tmp_path, tshark) -> None:
    editcap = shutil.which("editcap")
    if editcap is None:
        pytest.skip("editcap is not installed")
    snoop = tmp_path / "x.snoop"
    subprocess.run([editcap, "-F", "snoop", "-r", str(REFLECTION), str(snoop), "1-50"], check=True,
                   capture_output=True)  # fmt: skip
    capture = wb.load(snoop, engine="tshark")
    with pytest.raises(ParameterError, match=r"x\.snoop is snoop, which only tshark reads"):
        wb.export.pcap(capture, [0], tmp_path / "x.pcapng")
