"""The fast reader on hand-built captures: every format variant and link type, field by field."""

from __future__ import annotations

import gzip
import ipaddress
import warnings

import polars as pl
import pytest
import zstandard
from pcapbuild import (
    cooked,
    epb,
    ether,
    icmp,
    idb,
    ipv4,
    ipv6,
    isb,
    pb,
    pcap,
    shb,
    spb,
    tcp,
    udp,
    unknown_block,
)

import workbench as wb
from workbench.capture import addresses

V6A = ipaddress.IPv6Address("2001:db8::1").packed
V6B = ipaddress.IPv6Address("2001:db8::2").packed


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _text(frame: pl.DataFrame, col: str) -> list[str]:
    return frame.select(pl.col(col).ip.to_text())[col].to_list()


DNS_ANSWER = ether(ipv4("198.51.100.7", "203.0.113.10", 17, udp(53, 4444, b"x" * 100), ttl=51))
SYN = ether(ipv4("192.0.2.1", "203.0.113.10", 6, tcp(1234, 25, 0x02)), vlans=(100,))


@pytest.mark.parametrize("big", [False, True])
@pytest.mark.parametrize("nano", [False, True])
def test_pcap_byte_orders_and_resolutions(tmp_path, big: bool, nano: bool) -> None:
    path = _write(
        tmp_path,
        "x.bin",
        pcap([(1700000000.25, DNS_ANSWER), (1700000001.5, SYN)], big=big, nano=nano),
    )
    cap = wb.load(path)
    p = cap.packets
    assert p.height == 2
    assert p["ts"].cast(pl.Int64).to_list() == [1700000000_250000000, 1700000001_500000000]
    assert _text(p, "src") == ["198.51.100.7", "192.0.2.1"]
    assert p["sport"].to_list() == [53, 1234] and p["dport"].to_list() == [4444, 25]
    assert p["proto"].to_list() == [17, 6] and p["ttl"].to_list() == [51, 64]
    assert p["payload_len"].to_list() == [100, 0]
    assert p["vlan"].to_list() == [0, 100]
    assert p["tcp_flags"].to_list() == [0, 2]
    assert p["frag"].to_list() == [4, 4]  # DF set by the builder
    assert cap.meta.files[0].format == "pcap" and cap.meta.files[0].link_types == [1]
    assert cap.meta.to_dict()["bytes"] == len(DNS_ANSWER) + len(SYN)


def test_qinq_vlan_outer_id_and_ipv4_options(tmp_path) -> None:
    frame = ether(
        ipv4("192.0.2.9", "203.0.113.1", 17, udp(123, 80, b"n" * 40), options=b"\x01\x01\x01\x00"),
        vlans=(300, 20),
        tpids=[0x88A8, 0x8100],
    )
    p = wb.load(_write(tmp_path, "q.pcap", pcap([(1.0, frame)]))).packets
    assert p["vlan"][0] == 300 and p["sport"][0] == 123 and p["payload_len"][0] == 40


def test_ipv6_extension_headers_and_fragments(tmp_path) -> None:
    hop = bytes([60, 0]) + b"\0" * 6  # hop-by-hop -> destination options
    dopt = bytes([44, 0]) + b"\0" * 6  # destination options -> fragment
    first = (
        hop
        + dopt
        + bytes([17, 0])
        + (0).to_bytes(2, "big")
        + b"\x01\x00\x00\x01"
        + udp(53, 999, b"a" * 64)[:40]
    )
    first = bytearray(first)
    first[16 + 2 : 16 + 4] = (0x0001).to_bytes(2, "big")  # offset 0, M=1
    later = (
        bytes([17, 0]) + (0x00A8).to_bytes(2, "big") + b"\x01\x00\x00\x01" + b"b" * 32
    )  # offset 21*8
    frames = [
        (1.0, ether(ipv6(V6A, V6B, 0, bytes(first)), ethertype=0x86DD)),
        (2.0, ether(ipv6(V6A, V6B, 44, later), ethertype=0x86DD)),
        (3.0, ether(ipv6(V6B, V6A, 58, icmp(128, 0, b"p" * 8)), ethertype=0x86DD)),
    ]
    p = wb.load(_write(tmp_path, "v6.pcap", pcap(frames))).packets
    assert _text(p, "src") == ["2001:db8::1", "2001:db8::1", "2001:db8::2"]
    assert p["ip_ver"].to_list() == [6, 6, 6]
    assert p["proto"].to_list() == [17, 17, 58]
    assert p["frag"].to_list() == [1, 2, 0]
    assert p["sport"].to_list() == [53, 0, 0]
    assert p["ip_id"].to_list()[:2] == [0x01000001, 0x01000001]
    assert p["icmp_type"][2] == 128 and p["ttl"].to_list() == [57, 57, 57]


def test_ipv4_fragments_ports_only_on_first(tmp_path) -> None:
    first = ipv4(
        "198.51.100.1", "203.0.113.5", 17, udp(53, 5000, b"d" * 64), flags_frag=0x2000, ident=99
    )
    later = ipv4("198.51.100.1", "203.0.113.5", 17, b"e" * 80, flags_frag=0x0009, ident=99)
    p = wb.load(
        _write(tmp_path, "f.pcap", pcap([(1.0, ether(first)), (1.1, ether(later))]))
    ).packets
    assert p["frag"].to_list() == [1, 2]
    assert p["sport"].to_list() == [53, 0] and p["ip_id"].to_list() == [99, 99]
    assert p["payload_len"].to_list() == [64, 80]


@pytest.mark.parametrize(
    "link, frame",
    [
        (
            113,
            b"\x00\x00\x00\x01\x00\x06"
            + b"\x02" * 8
            + b"\x08\x00"
            + ipv4("192.0.2.1", "192.0.2.2", 6, tcp(1, 2, 0x10)),
        ),
        (
            276,
            b"\x08\x00\x00\x00\x00\x00\x00\x02\x00\x01\x00\x06"
            + b"\x02" * 6
            + b"\x00\x00"
            + ipv4("192.0.2.1", "192.0.2.2", 6, tcp(1, 2, 0x10)),
        ),
        (101, ipv4("192.0.2.1", "192.0.2.2", 6, tcp(1, 2, 0x10))),
        (228, ipv4("192.0.2.1", "192.0.2.2", 6, tcp(1, 2, 0x10))),
        (0, b"\x02\x00\x00\x00" + ipv4("192.0.2.1", "192.0.2.2", 6, tcp(1, 2, 0x10))),
        (108, b"\x00\x00\x00\x02" + ipv4("192.0.2.1", "192.0.2.2", 6, tcp(1, 2, 0x10))),
    ],
    ids=["sll", "sll2", "raw", "ipv4", "null", "loop"],
)
def test_link_types(tmp_path, link: int, frame: bytes) -> None:
    p = wb.load(_write(tmp_path, "l.pcap", pcap([(1.0, frame)], link=link))).packets
    assert p["ip_ver"][0] == 4 and p["tcp_flags"][0] == 0x10 and p["dport"][0] == 2
    assert _text(p, "dst") == ["192.0.2.2"]
    # cooked captures carry the sender's MAC only; the others none
    assert p["src_mac"][0] == (0x020202020202 if link in (113, 276) else 0) and p["dst_mac"][0] == 0


@pytest.mark.parametrize("link", [113, 276], ids=["sll", "sll2"])
def test_cooked_broadcasts(tmp_path, link: int) -> None:
    # the packet type (0 to us, 1 broadcast, 3 another host): a broadcast came to ff:ff:ff:ff:ff:ff
    ip = ipv4("192.0.2.1", "192.0.2.255", 17, udp(137, 137, b"q"))
    frames = [cooked(ip, kind, v2=link == 276) for kind in (0, 1, 3)]
    path = _write(tmp_path, "c.pcap", pcap([(1.0 + k, f) for k, f in enumerate(frames)], link=link))
    assert wb.load(path).packets["dst_mac"].to_list() == [0, 0xFFFFFFFFFFFF, 0]
    # a Parquet cache written by the decoder before (which left it 0) is read again
    cache = tmp_path / "cache"
    wb.scan(path, cache_dir=cache).collect()
    [entry] = [d for d in cache.iterdir() if d.is_dir()]
    [part] = entry.rglob("*.parquet")
    pl.read_parquet(part).with_columns(dst_mac=pl.lit(0, pl.UInt64)).write_parquet(part)
    (entry / "decoder").write_text("1")
    assert wb.scan(path, cache_dir=cache).collect()["dst_mac"].to_list() == [0, 0xFFFFFFFFFFFF, 0]
    assert (entry / "decoder").read_text() == str(wb.capture.decode.DECODER_VERSION)


def test_ethernet_macs(tmp_path) -> None:
    frame = (
        bytes.fromhex("0cc47a45a044001b21aa0002")
        + ether(ipv4("192.0.2.1", "192.0.2.2", 6, tcp(1, 2, 2)))[12:]
    )
    p = wb.load(_write(tmp_path, "mac.pcap", pcap([(1.0, frame), (2.0, frame[:10])]))).packets
    assert p["dst_mac"].to_list() == [0x0CC47A45A044, 0] and p["src_mac"].to_list() == [
        0x001B21AA0002,
        0,
    ]


def test_raw_ipv6_link_type(tmp_path) -> None:
    p = wb.load(
        _write(tmp_path, "r6.pcap", pcap([(1.0, ipv6(V6A, V6B, 6, tcp(7, 8, 0x12)))], link=229))
    ).packets
    assert p["ip_ver"][0] == 6 and p["tcp_flags"][0] == 0x12


def test_non_ip_and_unknown_link_type_keep_rows(tmp_path) -> None:
    arp = ether(b"\x00\x01" + b"\0" * 26, ethertype=0x0806)
    p = wb.load(_write(tmp_path, "arp.pcap", pcap([(1.0, arp), (2.0, SYN)]))).packets
    assert p["ip_ver"].to_list() == [0, 4] and p["src"][0] == 0
    with pytest.warns(wb.capture.CaptureWarning, match="not decoded"):
        cap = wb.load(_write(tmp_path, "odd.pcap", pcap([(1.0, b"\x00" * 30)], link=147)))
    assert cap.packets.height == 1 and cap.packets["ip_ver"][0] == 0


@pytest.mark.parametrize("order", ["<", ">"])
def test_pcapng_sections_interfaces_resolutions_offsets_and_drops(tmp_path, order: str) -> None:
    raw_syn = ipv4("192.0.2.1", "203.0.113.10", 6, tcp(1234, 443, 0x02))
    data = (
        shb(order)
        + idb(1, order, name="eth0")  # microseconds (default)
        + idb(101, order, tsresol=9, name="tun0")  # nanoseconds, raw IP
        + epb(0, 1_700_000_000_000_001, DNS_ANSWER, order)
        + unknown_block(order)
        + epb(1, 1_700_000_000_000_000_123, raw_syn, order)
        + isb(0, 17, order)
        + shb(order)  # a new section: interface numbering restarts
        + idb(1, order, tsresol=0x80 | 10, tsoffset=100)  # 2^-10 s units, +100 s
        + epb(0, 1024 * 5 + 512, SYN, order)
        + spb(SYN, order)
        + pb(0, 1024 * 6, DNS_ANSWER, order)
    )
    cap = wb.load(_write(tmp_path, "multi.pcapng", data))
    p = cap.packets
    assert p["iface"].to_list() == [0, 1, 2, 2, 2]
    ts = p["ts"].cast(pl.Int64).to_list()
    assert ts[0] == 1_700_000_000_000_001_000
    assert ts[1] == 1_700_000_000_000_000_123
    assert ts[2] == 105_500_000_000  # 5.5 s + 100 s offset
    assert ts[3] == ts[2]  # SPB carries no timestamp: the previous one is kept
    assert ts[4] == 106_000_000_000
    assert p["dport"].to_list() == [4444, 443, 25, 25, 4444]
    assert cap.meta.files[0].link_types == [1, 101, 1]
    assert cap.meta.files[0].interface_names == ["eth0", "tun0", None]
    assert [i["name"] for i in cap.meta.to_dict()["interfaces"]] == ["eth0", "tun0", None]
    assert cap.meta.drops == 17
    assert cap.meta.files[0].format == "pcapng"


@pytest.mark.parametrize(
    "compress",
    [gzip.compress, lambda b: zstandard.ZstdCompressor().compress(b)],
    ids=["gzip", "zstd"],
)
def test_compressed_captures_read_transparently(tmp_path, compress) -> None:
    plain = pcap([(1.0, DNS_ANSWER), (2.0, SYN)])
    path = _write(tmp_path, "c.pcap.gz", compress(plain))
    cap = wb.load(path)
    assert cap.packets.height == 2
    meta = cap.meta.files[0]
    assert meta.compression in {"gzip", "zstd"} and meta.size == path.stat().st_size
    import hashlib

    assert meta.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_magic_not_extension_decides(tmp_path) -> None:
    path = _write(tmp_path, "really_pcap.pcapng", pcap([(1.0, SYN)]))
    assert wb.load(path).meta.files[0].format == "pcap"


def test_evidence_is_not_modified(tmp_path) -> None:
    path = _write(tmp_path, "e.pcap", pcap([(1.0, SYN)]))
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    path.chmod(0o444)
    wb.load(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.pcap"]


def test_several_files_concatenate_with_meta_per_file(tmp_path) -> None:
    a = _write(tmp_path, "a.pcap", pcap([(1.0, SYN)]))
    b = _write(tmp_path, "b.pcap", pcap([(2.0, DNS_ANSWER), (3.0, DNS_ANSWER)]))
    cap = wb.load([a, b])
    assert cap.packets.height == 3 and [f.packets for f in cap.meta.files] == [1, 2]
    assert set(cap.meta.to_dict()["sha256"]) == {str(a), str(b)}


def test_scan_caches_parquet_away_from_evidence(tmp_path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    path = _write(evidence, "s.pcap", pcap([(float(i), SYN) for i in range(50)]))
    cache = tmp_path / "cache"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lazy = wb.scan(path, cache_dir=cache)
    frame = lazy.collect()
    assert frame.height == 50 and frame.schema == wb.capture.PACKET_SCHEMA
    assert sorted(p.name for p in evidence.iterdir()) == ["s.pcap"]
    first = {p: p.stat().st_mtime_ns for p in cache.rglob("*.parquet")}
    wb.scan(path, cache_dir=cache).collect()
    assert {
        p: p.stat().st_mtime_ns for p in cache.rglob("*.parquet")
    } == first  # reused, not rebuilt


def test_chunked_walk_equals_single_pass(tmp_path) -> None:
    from workbench.capture.reader import FileMeta, iter_frames
    from workbench.capture.source import open_evidence

    frames = [(1.0 + i / 1000, SYN if i % 3 else DNS_ANSWER) for i in range(1000)]
    path = _write(tmp_path, "k.pcap", pcap(frames))
    whole = wb.load(path).packets
    ev = open_evidence(path)
    meta = FileMeta(str(path), ev.sha256, ev.size, ev.format, None, [], 0)
    chunked = pl.concat(list(iter_frames(ev, meta, chunk_records=7)))
    ev.close()
    assert chunked.equals(whole) and meta.packets == 1000
    # each chunk keeps its own times (the walk's arrays are reused from chunk to chunk)
    micros = chunked["ts"].dt.epoch("us").to_list()
    assert micros == [1_000_000 + i * 1000 for i in range(1000)]


def test_plain_and_compressed_read_alike_across_chunks(tmp_path, monkeypatch) -> None:
    """A plain capture is counted, then decoded into its frame's own columns chunk after chunk
    (one chunk in the frame); a compressed one a frame per chunk, concatenated. Both give every
    packet's own fields, across chunk edges."""
    from workbench.capture import reader

    monkeypatch.setattr(reader, "CHUNK_RECORDS", 7)
    v6 = ether(ipv6(V6A, V6B, 17, udp(443, 50000, b"q" * 30)), ethertype=0x86DD)
    frames = [(1.0 + i / 1000, (SYN, DNS_ANSWER, v6)[i % 3]) for i in range(100)]
    data = pcap(frames)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every frame is IP: no warning says otherwise
        loaded = [wb.load(_write(tmp_path, name, body)) for name, body in
                  [("p.pcap", data), ("p.pcap.gz", gzip.compress(data))]]  # fmt: skip
    plain, packed = (cap.packets for cap in loaded)
    assert plain.equals(packed) and plain.height == 100
    assert [cap.meta.files[0].packets for cap in loaded] == [100, 100]
    assert {plain[c].n_chunks() for c in plain.columns} == {1}
    assert plain["ts"].dt.epoch("us").to_list() == [1_000_000 + i * 1000 for i in range(100)]
    assert _text(plain, "src")[:3] == ["192.0.2.1", "198.51.100.7", "2001:db8::1"]
    assert _text(plain, "dst")[2::3] == ["2001:db8::2"] * 33
    assert plain["dport"].to_list()[:3] == [25, 4444, 50000]
    assert plain["tcp_window"].null_count() == 66  # 34 SYNs carry a window, the rest none


def test_address_encoding_is_ipv4_mapped(tmp_path) -> None:
    p = wb.load(_write(tmp_path, "m.pcap", pcap([(1.0, SYN)]))).packets
    assert (
        int(p["src"][0])
        == addresses.parse("192.0.2.1")
        == int(ipaddress.IPv6Address("::ffff:192.0.2.1"))
    )
