"""The second engine: the packet frame built by Wireshark's dissectors (tshark).

For link types and encapsulations the fast reader does not know, and to
cross-check it. ``tshark -T fields`` piped into Polars reads ~40k packets/s,
roughly 60x pyshark's per-packet objects (RECIPES.md), so the bulk frame uses it;
pyshark is used where per-packet application fields are wanted (``workbench.dissect``).
Reassembly is off so every row is one frame as captured; names are not resolved.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.capture import addresses
from workbench.capture.progress import progress_bar
from workbench.capture.schema import FRAG_DONT, FRAG_NONFIRST, PACKET_SCHEMA, PROTO_TCP
from workbench.capture.source import open_read_only, sha256_file
from workbench.errors import (
    CaptureError,
    CaptureFormatError,
    CaptureNotFoundError,
    ToolMissingError,
)

if TYPE_CHECKING:
    from workbench.capture.reader import FileMeta

# (tshark field, our name), first occurrence of each
FIELDS = [
    ("frame.time_epoch", "time"),
    ("frame.interface_id", "iface"),
    ("frame.len", "wire_len"),
    ("frame.cap_len", "cap_len"),
    ("vlan.id", "vlan"),
    ("eth.src", "eth_src"),
    ("eth.dst", "eth_dst"),
    ("sll.src.eth", "sll_src"),
    ("wlan.sa", "wlan_src"),
    ("wlan.da", "wlan_dst"),
    ("ip.src", "ip4_src"),
    ("ip.dst", "ip4_dst"),
    ("ip.proto", "ip4_proto"),
    ("ip.ttl", "ip4_ttl"),
    ("ip.len", "ip4_len"),
    ("ip.id", "ip4_id"),
    ("ip.flags.mf", "ip4_mf"),
    ("ip.flags.df", "ip4_df"),
    ("ip.frag_offset", "ip4_fragoff"),
    ("ipv6.src", "ip6_src"),
    ("ipv6.dst", "ip6_dst"),
    ("ipv6.nxt", "ip6_nxt"),
    ("ipv6.hlim", "ip6_hlim"),
    ("ipv6.plen", "ip6_plen"),
    ("ipv6.fraghdr.offset", "ip6_fragoff"),
    ("ipv6.fraghdr.more", "ip6_mf"),
    ("ipv6.fraghdr.ident", "ip6_fragid"),
    ("tcp.srcport", "tcp_sport"),
    ("tcp.dstport", "tcp_dport"),
    ("tcp.flags", "tcp_flags"),
    ("tcp.window_size_value", "tcp_window"),
    ("tcp.len", "tcp_len"),
    ("udp.srcport", "udp_sport"),
    ("udp.dstport", "udp_dport"),
    ("udp.length", "udp_len"),
    ("icmp.type", "icmp4_type"),
    ("icmp.code", "icmp4_code"),
    ("icmpv6.type", "icmp6_type"),
    ("icmpv6.code", "icmp6_code"),
    ("frame.protocols", "protocols"),
]
# the layer (a token of frame.protocols) each field belongs to: a frame a mirror encapsulation
# carries is read from that layer's occurrence inside it, as the fast reader peels it
LAYERS = {
    "vlan": "vlan", "eth_src": "eth", "eth_dst": "eth",
    **{name: "ip" for _, name in FIELDS if name.startswith("ip4_")},
    **{name: "ipv6" for _, name in FIELDS if name.startswith("ip6_")},
    **{name: "tcp" for _, name in FIELDS if name.startswith("tcp_")},
    **{name: "udp" for _, name in FIELDS if name.startswith("udp_")},
    **{name: "icmp" for _, name in FIELDS if name.startswith("icmp4_")},
    **{name: "icmpv6" for _, name in FIELDS if name.startswith("icmp6_")},
}  # fmt: skip
# frame.protocols' names of what follows an IPv6 header, as protocol numbers
IPV6_NEXT = {"tcp": 6, "udp": 17, "icmpv6": 58, "gre": 47, "sctp": 132, "udplite": 136, "esp": 50}
# how often a progress bar asks how far tshark has read
PROGRESS_POLL_S = 0.25
# Wireshark's names of the mirror and overlay encapsulations the fast reader peels (decode.py)
MIRRORS = ("vxlan", "geneve", "tzsp", "erspan")
# compressed containers tshark opens itself (magic bytes, name)
COMPRESSION_MAGICS = [
    (b"\x1f\x8b", "gzip"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\x04\x22\x4d\x18", "lz4"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
]
PREFERENCES = [
    "ip.defragment:FALSE",
    "ipv6.defragment:FALSE",
    "tcp.desegment_tcp_streams:FALSE",
    "tcp.analyze_sequence_numbers:FALSE",
]


def wireshark_tool(name: str = "tshark") -> str:
    """Path of a Wireshark command-line tool (tshark, editcap), or a ToolMissingError that says
    how to install it."""
    path = shutil.which(name)
    if path is None:
        raise ToolMissingError(
            f"{name} is not installed: `sudo apt-get install tshark` (Debian/Ubuntu; brings {name}), "
            "`brew install wireshark` (macOS) or `conda install -c conda-forge wireshark`"
        )
    return path


def tshark_path() -> str:
    """Path of tshark, or a ToolMissingError that says how to install it."""
    return wireshark_tool("tshark")


def tshark_fields(
    path: str | Path,
    fields: list[str],
    display_filter: str | None = None,
    *,
    occurrence: str = "f",
    progress: bool | None = False,
) -> pl.DataFrame:
    """Run ``tshark -T fields`` on a capture and return the named fields as text columns
    (``occurrence`` and ``progress`` as ``_run_fields`` takes them).

    A run that stops early (a capture cut short or damaged) keeps the rows read before the fault
    and warns (``CaptureWarning``) with tshark's own message and the number of packets read."""
    from workbench.capture.reader import CaptureWarning

    table, problem = _run_fields(path, fields, display_filter, occurrence, progress)
    if problem:
        warnings.warn(f"{path}: {problem}", CaptureWarning, stacklevel=2)
    return table


def _stderr(done: subprocess.CompletedProcess) -> str:
    """tshark's message, without the notice it prints whenever it runs as root."""
    lines = done.stderr.decode(errors="replace").splitlines()
    return " ".join(
        line.strip() for line in lines if line.strip() and not line.startswith("Running as user")
    )


def run_watched(
    command: list[str], evidence, bar=None, base: int = 0
) -> subprocess.CompletedProcess:
    """Run a Wireshark tool on ``evidence`` (its standard input, the file opened read-only) and
    collect its output; ``bar`` (when given) follows how far the tool has read, from ``base``.

    The tool's standard input shares the open file with this process, and so its offset: how far
    it has read is where that offset is (compressed bytes for a compressed capture)."""
    size = os.fstat(evidence.fileno()).st_size

    def advance() -> None:
        read = os.lseek(evidence.fileno(), 0, os.SEEK_CUR)
        bar.update(max(0, base + min(read, size) - bar.n))

    with subprocess.Popen(
        command, stdin=evidence, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        try:
            while True:
                try:  # retried after a timeout, communicate loses none of the output
                    out, err = proc.communicate(timeout=PROGRESS_POLL_S if bar else None)
                    break
                except subprocess.TimeoutExpired:
                    advance()
        except BaseException:  # interrupted: the tool stops too, as with subprocess.run
            proc.kill()
            raise
    if bar is not None:
        advance()
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def _run_fields(
    path: str | Path,
    fields: list[str],
    display_filter: str | None = None,
    occurrence: str = "f",
    progress: bool | None = False,
) -> tuple[pl.DataFrame, str | None]:
    """The fields as text columns, and what went wrong (tshark's message and the number of packets
    read) if tshark exited with an error after some output; None when it read the whole capture.
    ``occurrence`` is tshark's: ``f`` the first of a field's values in a frame, ``a`` all of them
    (comma-separated); ``progress`` as ``progress_bar`` takes it."""
    # the file on standard input, opened here read-only without touching its access time: the
    # tool never gets a name to misread as an option, nor opens the evidence itself
    command = [tshark_path(), "-r", "-", "-n", "-T", "fields", "-E", f"occurrence={occurrence}",
               "-E", "separator=/t", "-E", "quote=n", "-E", "header=n"]  # fmt: skip
    for pref in PREFERENCES:
        command += ["-o", pref]
    if display_filter:
        command += ["-Y", display_filter]
    for name in fields:
        command += ["-e", name]
    with open_read_only(path) as evidence:
        bar = progress_bar(
            os.fstat(evidence.fileno()).st_size, f"{Path(path).name} (tshark)", progress
        )
        try:
            done = run_watched(command, evidence, bar)
        finally:
            if bar is not None:
                bar.close()
    if done.returncode != 0 and not done.stdout:
        raise CaptureFormatError(path, 0, f"tshark could not read it: {_stderr(done)}")
    text = done.stdout
    if not text.strip():
        table = pl.DataFrame({name: pl.Series([], dtype=pl.String) for name in fields})
    else:
        table = pl.read_csv(
            io.BytesIO(text), separator="\t", has_header=False, new_columns=fields,
            schema_overrides={name: pl.String for name in fields}, quote_char=None,
        )  # fmt: skip
    problem = None
    if done.returncode != 0:
        packets = f"{table.height} packets" + (" matching the filter" if display_filter else "")
        message = _stderr(done).rstrip(".") or "no message"
        problem = (
            f"tshark stopped (exit status {done.returncode}) after {packets}: {message};"
            f" kept the {packets} read before it"
        )
    return table, problem


def _int(col: str) -> pl.Expr:
    return pl.col(col).str.split(",").list.first().cast(pl.Int64, strict=False)


def _mac(text: pl.Expr) -> pl.Expr:
    """``aa:bb:cc:dd:ee:ff`` (first occurrence) as a 48-bit integer, 0 when absent."""
    first = text.str.split(",").list.first().str.replace_all(":", "")
    return first.str.to_integer(base=16, strict=False).fill_null(0)


def _hex_or_int(col: str) -> pl.Expr:
    text = pl.col(col).str.split(",").list.first()
    return (
        pl.when(text.str.starts_with("0x"))
        .then(text.str.slice(2).str.to_integer(base=16, strict=False))
        .otherwise(text.cast(pl.Int64, strict=False))
    )


def read_frame(path: str | Path, *, progress: bool | None = None) -> pl.DataFrame:
    """The packet frame of a capture, decoded by tshark (same schema as the fast reader); a
    capture tshark reads only in part gives the packets before the fault and a ``CaptureWarning``."""
    names = [f for f, _ in FIELDS]
    raw = tshark_fields(path, names, occurrence="a", progress=progress)
    return frame_from_fields(raw.rename(dict(FIELDS)))


def read_file(
    path: str | Path, *, strict: bool = False, progress: bool | None = None
) -> tuple[pl.DataFrame, FileMeta]:
    """Read one capture with tshark: (packet frame, file metadata), for ``load(engine="tshark")``.

    Whatever tshark reads is accepted (pcap, pcapng, snoop, ERF, NetMon, ...; compressed too):
    the file is hashed as given, never sniffed by the fast reader. ``meta.format`` is the
    reader's name for pcap and pcapng, tshark's (``capinfos -t``) for the others. A run that
    stops early keeps the packets before the fault, with tshark's message and the count in
    ``meta.warnings`` (``strict=True``: raises ``CaptureFormatError`` instead).
    """
    from workbench.capture.reader import FileMeta
    from workbench.formatting import iso

    path = Path(path)
    if not path.exists():
        raise CaptureNotFoundError(path, "no such file")
    if not path.is_file():
        raise CaptureNotFoundError(path, "is a directory or not a regular file, not a capture")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="wb-sha256") as pool:
        digest = pool.submit(sha256_file, path)  # alongside tshark's read
        names = [f for f, _ in FIELDS]
        raw, problem = _run_fields(path, names, occurrence="a", progress=progress)
        fmt, compression = file_type(path)
        sha256 = digest.result()
    if problem and strict:
        error = CaptureFormatError(path, 0, problem, packets_read=raw.height)
        error.args = (f"{path}: {problem}",)  # tshark does not say at which byte: none is named
        raise error
    frame = frame_from_fields(raw.rename(dict(FIELDS)))
    meta = FileMeta(str(path), sha256, path.stat().st_size, fmt, compression, [], 0)
    meta.packets, meta.bytes = frame.height, int(frame["wire_len"].sum() or 0)
    if frame.height:
        meta.start = iso(int(frame["ts"].cast(pl.Int64).min()))
        meta.end = iso(int(frame["ts"].cast(pl.Int64).max()))
    if problem:
        meta.warnings.append(f"{path}: {problem}")
    return frame, meta


def file_type(path: str | Path) -> tuple[str, str | None]:
    """(format, compression) of a capture: the fast reader's sniff where it knows the format
    (``pcap``, ``pcapng``), else Wireshark's short name (``snoop``, ``erf``, ``netmon2``: from
    ``capinfos -t``), ``"unknown"`` when neither says."""
    from workbench.capture.source import open_evidence

    try:
        ev = open_evidence(path, hash_contents=False)
    except CaptureError:
        pass
    else:
        ev.close()
        return ev.format, ev.compression
    with open_read_only(path) as handle:
        head = handle.read(6)
    compression = next((name for magic, name in COMPRESSION_MAGICS if head.startswith(magic)), None)
    try:
        capinfos = wireshark_tool("capinfos")
    except ToolMissingError:
        return "unknown", compression
    with open_read_only(path) as evidence:
        done = subprocess.run([capinfos, "-t", "-T", "-r", "-"], capture_output=True, stdin=evidence,
                              check=False)  # fmt: skip
    lines = done.stdout.decode(errors="replace").strip().splitlines()
    kind = lines[-1].rsplit("\t", 1)[-1].strip() if lines and "\t" in lines[-1] else ""
    return kind or "unknown", compression


def _carried(raw: pl.DataFrame) -> pl.DataFrame:
    """Each layer's field values (all occurrences, comma-separated) cut to the one the packet
    frame reads: the first, or in a frame a mirror encapsulation carries, the first inside the
    innermost one (after as many of that layer as come before it in ``frame.protocols``); and
    ``_ipv6_next``, the protocol number after its IPv6 header, where ``frame.protocols`` names it."""
    if "protocols" not in raw.columns:
        return raw.with_columns(_ipv6_next=pl.lit(None, pl.Int64))
    tokens = pl.lit(":") + pl.col("protocols").fill_null("").str.replace_all(":", "::") + ":"
    # peeled, as the fast reader does, only where the frame carried holds what a mirrored one does
    carried = r":eth::ethertype::(?:ip|ipv6|vlan|arp|mpls|pppoes):"
    before = tokens.str.extract(r"^(.*:(?:" + "|".join(MIRRORS) + r"):)" + carried, 1)
    index = {
        layer: before.str.count_matches(f":{layer}:", literal=True).fill_null(0)
        for layer in set(LAYERS.values())
    }
    # the protocol after the (carried) IPv6 header and its extension headers, as the dissectors
    # nested them: an ICMPv6 error quoting a TCP header is ICMPv6, whose quoted ports are not its
    rest = pl.when(before.is_not_null()).then(tokens.str.slice(before.str.len_chars()))
    after_ipv6 = rest.otherwise(tokens).str.extract(
        r":ipv6:(?::(?:ah|ipv6\.[a-z]+):)*:([a-z0-9]+):", 1
    )
    return raw.with_columns(
        *(
            pl.col(name).str.split(",").list.get(index[layer], null_on_oob=True)
            for name, layer in LAYERS.items()
            if name in raw.columns
        ),
        _ipv6_next=after_ipv6.replace_strict(IPV6_NEXT, default=None, return_dtype=pl.Int64),
    )


def frame_from_fields(raw: pl.DataFrame) -> pl.DataFrame:
    """Turn tshark's text fields (our column names) into the packet frame."""
    raw = _carried(raw)
    is4 = pl.col("ip4_src").is_not_null()
    is6 = ~is4 & pl.col("ip6_src").is_not_null()
    proto = (
        pl.when(is4)
        .then(_int("ip4_proto"))
        .when(is6 & pl.col("_ipv6_next").is_not_null())
        .then(pl.col("_ipv6_next"))
        .when(is6 & pl.col("tcp_sport").is_not_null())
        .then(6)
        .when(is6 & pl.col("udp_sport").is_not_null())
        .then(17)
        .when(is6 & pl.col("icmp6_type").is_not_null())
        .then(58)
        .when(is6)
        .then(_int("ip6_nxt"))
        .otherwise(0)
    )
    fragoff = pl.when(is4).then(_int("ip4_fragoff")).otherwise(_int("ip6_fragoff")).fill_null(0)
    mf = pl.when(is4).then(_int("ip4_mf")).otherwise(_int("ip6_mf")).fill_null(0)
    nonfirst = fragoff > 0
    # ports and flags of the outer L4 header only: tshark also fills them from headers
    # quoted inside ICMP errors and from tunnelled (GRE, IP-in-IP) inner packets
    no_ports = ~pl.col("_proto").is_in([6, 17])
    sport = pl.coalesce(_int("tcp_sport"), _int("udp_sport"))
    dport = pl.coalesce(_int("tcp_dport"), _int("udp_dport"))
    frame = raw.with_columns(_proto=proto, _nonfirst=nonfirst).select(
        ts=(pl.col("time").cast(pl.Decimal(38, 9)) * 1_000_000_000).cast(pl.Int64),
        iface=_int("iface").fill_null(0),
        wire_len=_int("wire_len"),
        cap_len=_int("cap_len"),
        vlan=_int("vlan").fill_null(0),
        src_mac=_mac(pl.coalesce("eth_src", "sll_src", "wlan_src")),
        dst_mac=_mac(pl.coalesce("eth_dst", "wlan_dst")),
        ip_ver=pl.when(is4).then(4).when(is6).then(6).otherwise(0),
        src_text=pl.when(is4)
        .then(pl.col("ip4_src"))
        .otherwise(pl.col("ip6_src"))
        .str.split(",")
        .list.first(),
        dst_text=pl.when(is4)
        .then(pl.col("ip4_dst"))
        .otherwise(pl.col("ip6_dst"))
        .str.split(",")
        .list.first(),
        proto=pl.col("_proto"),
        sport=pl.when(no_ports | pl.col("_nonfirst")).then(0).otherwise(sport).fill_null(0),
        dport=pl.when(no_ports | pl.col("_nonfirst")).then(0).otherwise(dport).fill_null(0),
        ttl=pl.when(is4).then(_int("ip4_ttl")).otherwise(_int("ip6_hlim")).fill_null(0),
        ip_len=pl.when(is4).then(_int("ip4_len")).otherwise(_int("ip6_plen")).fill_null(0),
        ip_id=pl.when(is4)
        .then(_hex_or_int("ip4_id"))
        .otherwise(_hex_or_int("ip6_fragid"))
        .fill_null(0),
        frag=(
            pl.when(mf > 0).then(1).otherwise(0)
            + pl.when(nonfirst).then(FRAG_NONFIRST).otherwise(0)
            + pl.when(is4 & (_int("ip4_df") > 0)).then(FRAG_DONT).otherwise(0)
        ),
        tcp_flags=pl.when(pl.col("_nonfirst") | (pl.col("_proto") != PROTO_TCP))
        .then(0)
        .otherwise(_hex_or_int("tcp_flags"))
        .fill_null(0)
        % 256,
        tcp_window=pl.when(pl.col("_nonfirst") | (pl.col("_proto") != PROTO_TCP))
        .then(None)
        .otherwise(_int("tcp_window")),
        icmp_type=pl.coalesce(_int("icmp4_type"), _int("icmp6_type")).fill_null(0),
        icmp_code=pl.coalesce(_int("icmp4_code"), _int("icmp6_code")).fill_null(0),
        payload_len=pl.coalesce(_int("tcp_len"), _int("udp_len") - 8).fill_null(0).clip(0, 65535),
    )
    # read in Polars; no address (non-IP frames) reads as "::" and is zeroed below
    src = addresses.from_text(frame["src_text"].fill_null("").replace("", "::"), "src")
    dst = addresses.from_text(frame["dst_text"].fill_null("").replace("", "::"), "dst")
    frame = frame.with_columns(
        pl.col("ts").cast(pl.Datetime("ns")).dt.replace_time_zone("UTC"),
        src=pl.when(pl.col("ip_ver") > 0).then(src).otherwise(pl.lit(0, dtype=pl.UInt128)),
        dst=pl.when(pl.col("ip_ver") > 0).then(dst).otherwise(pl.lit(0, dtype=pl.UInt128)),
    )
    return frame.select([pl.col(c).cast(t) for c, t in PACKET_SCHEMA.items()])
