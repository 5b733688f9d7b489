"""Frame decoding: link layer -> IPv4/IPv6 (extension headers, fragments) -> TCP/UDP/ICMP/GRE.

One Numba kernel, parallel over packets. Every read is bounds-checked against the
packet's captured length (and so against the buffer): a frame cut short by the
snaplen yields the fields that were captured and zeros for the rest.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from workbench.capture.schema import (
    PROTO_GRE,
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_SCTP,
    PROTO_TCP,
    PROTO_UDP,
    PROTO_UDPLITE,
)

ETH_IPV4, ETH_IPV6 = 0x0800, 0x86DD
ETH_MPLS, ETH_MPLS_MULTICAST, ETH_PPPOE_SESSION = 0x8847, 0x8848, 0x8864
NFULA_PAYLOAD = 9  # the NFLOG attribute that holds the logged packet
DLT_IEEE802_11 = 105
PPP_IPV4, PPP_IPV6, PPP_MPLS = 0x0021, 0x0057, 0x0281
# layers peeled between the link and IP (VLAN tags, PPPoE, MPLS labels): real stacks hold a few;
# the bound keeps a crafted frame of endless tags from costing more than this
MAX_ENCAPSULATIONS = 16
# mirror and overlay encapsulations peeled (VXLAN, GENEVE, TZSP, ERSPAN): a mirror session's copy
# of an overlay's frame is two; a third is a crafted frame
MAX_MIRRORS = 2
VXLAN_PORT, GENEVE_PORT, TZSP_PORT = 4789, 6081, 37008
ERSPAN_II, ERSPAN_III, ETH_BRIDGED = 0x88BE, 0x22EB, 0x6558
IPV6_FRAGMENT, IPV6_AH, IPV6_NO_NEXT = 44, 51, 59
# every extension header is walked, as Wireshark does (THC's denial6 chains 180 destination
# headers before its ping): each takes 8 bytes or more, so 8192 is the most a 64 KB packet holds
MAX_EXT_HEADERS = 8192
# a Linux cooked capture's packet type for a frame the host got as a link-layer broadcast
# (0 to it, 1 broadcast, 2 multicast, 3 to another host, 4 sent by it): the frame went to the
# Ethernet broadcast address, which the cooked header does not carry
SLL_BROADCAST = 1
ETHER_BROADCAST = 0xFFFFFFFFFFFF
# raised whenever a field is read differently: a Parquet cache written by another decoder is
# stale and read again from the evidence (2: a cooked capture's broadcasts get a dst_mac; 3: the
# TCP window; 4: IP inside MPLS and PPPoE, the PPP, Cisco HDLC, NFLOG and 802.11 link types, and
# the frames mirror encapsulations carry)
DECODER_VERSION = 4

# fields per packet, in this order, in the int64 `fields` matrix the kernel fills
FIELDS = (
    "vlan", "ip_ver", "proto", "sport", "dport", "ttl", "ip_len", "ip_id",
    "frag", "tcp_flags", "icmp_type", "icmp_code", "payload_len", "tcp_window",
)  # fmt: skip
F_VLAN, F_IPVER, F_PROTO, F_SPORT, F_DPORT, F_TTL, F_IPLEN, F_IPID = range(8)
F_FRAG, F_TCPFLAGS, F_ICMPT, F_ICMPC, F_PAYLOAD, F_TCPWIN = range(8, 14)
NO_WINDOW = -1  # ``tcp_window`` where no TCP window was captured (null in the frame)
# one more row of the matrix, no column of the frame: 1 where the snaplen cut the transport
# header before what tells its kind (a TCP segment's flags, a datagram's ports, an ICMP type,
# or the IPv6 extension headers before them), counted per file (``FileMeta.cut_headers``)
F_CUT = len(FIELDS)
ROWS = len(FIELDS) + 1
# the bytes of each transport header that tell a packet's kind: TCP's flags are its 14th byte,
# ports come first in UDP, SCTP and UDP-Lite, ICMP's type and code are its first two
TCP_FLAGS_END, PORTS_END, ICMP_TYPE_END = 14, 4, 2


@njit(inline="always", cache=True)
def _be16(buf, off):
    return (np.int64(buf[off]) << 8) | np.int64(buf[off + 1])


@njit(inline="always", cache=True)
def _be32(buf, off):
    return (
        (np.int64(buf[off]) << 24)
        | (np.int64(buf[off + 1]) << 16)
        | (np.int64(buf[off + 2]) << 8)
        | np.int64(buf[off + 3])
    )


@njit(inline="always", cache=True)
def _be_uint(buf, off, n):
    """``n`` (<= 8) bytes at ``off`` as a big-endian unsigned integer."""
    v = np.uint64(0)
    for k in range(n):
        v = (v << np.uint64(8)) | np.uint64(buf[off + k])
    return v


@njit(cache=True)
def _l3_start(buf, start, end, kind, out, i, macs):
    """Offset of the IP header and its version (4, 6, or 0 for non-IP); fills vlan and the MACs."""
    ethertype = -1
    off = start
    if kind == 1:  # Ethernet
        if off + 14 > end:
            return off, 0
        macs[i, 1] = _be_uint(buf, off, 6)
        macs[i, 0] = _be_uint(buf, off + 6, 6)
        ethertype = _be16(buf, off + 12)
        off += 14
    elif kind == 2:  # SLL: the sender's link-layer address only, and the packet type
        if off + 16 > end:
            return off, 0
        if _be16(buf, off + 2) == 1 and _be16(buf, off + 4) == 6:  # ARPHRD_ETHER, 6-byte address
            macs[i, 0] = _be_uint(buf, off + 6, 6)
            if _be16(buf, off) == SLL_BROADCAST:  # it came to the Ethernet broadcast address
                macs[i, 1] = ETHER_BROADCAST
        ethertype = _be16(buf, off + 14)
        off += 16
    elif kind == 3:  # SLL2
        if off + 20 > end:
            return off, 0
        if _be16(buf, off + 8) == 1 and buf[off + 11] == 6:
            macs[i, 0] = _be_uint(buf, off + 12, 6)
            if buf[off + 10] == SLL_BROADCAST:
                macs[i, 1] = ETHER_BROADCAST
        ethertype = _be16(buf, off)
        off += 20
    elif kind == 4 or kind == 5 or kind == 6:  # raw IP
        if off + 1 > end:
            return off, 0
        version = np.int64(buf[off]) >> 4
        if kind == 5 and version != 4:
            return off, 0
        if kind == 6 and version != 6:
            return off, 0
        return off, version if version == 4 or version == 6 else 0
    elif kind == 7 or kind == 8:  # BSD null / OpenBSD loop: address family
        if off + 4 > end:
            return off, 0
        be = _be32(buf, off)
        le = (
            np.int64(buf[off])
            | (np.int64(buf[off + 1]) << 8)
            | (np.int64(buf[off + 2]) << 16)
            | (np.int64(buf[off + 3]) << 24)
        )
        fam = be if kind == 8 else (le if le < 256 else be)
        off += 4
        if fam == 2:
            return off, 4
        if fam == 10 or fam == 24 or fam == 28 or fam == 30:
            return off, 6
        return off, 0
    elif kind == 9:  # PPP, or PPP in HDLC-like framing: address and control, then the protocol
        if off + 2 <= end and buf[off] == 0xFF and buf[off + 1] == 0x03:
            off += 2
        if off + 4 <= end and (buf[off] == 0x0F or buf[off] == 0x8F) and buf[off + 1] == 0:
            ethertype = _be16(buf, off + 2)  # Cisco HDLC framing on a PPP_SERIAL link
            off += 4
        elif off + 1 <= end and buf[off] & 1:  # a compressed one-byte protocol field
            ethertype = _ppp_ethertype(np.int64(buf[off]))
            off += 1
        elif off + 2 <= end:
            ethertype = _ppp_ethertype(_be16(buf, off))
            off += 2
        else:
            return off, 0
    elif kind == 10:  # Cisco HDLC: address, control, then an ethertype
        if off + 4 > end:
            return off, 0
        ethertype = _be16(buf, off + 2)
        off += 4
    elif kind == 11:  # PPPoE without the Ethernet header
        return _encapsulated(buf, off, end, ETH_PPPOE_SESSION, out, i)
    elif kind == 12:  # NFLOG: a 4-byte header, then TLVs until the packet's
        return _nflog(buf, off, end)
    elif kind == 13 or kind == 14 or kind == 15:  # 802.11, behind radiotap's or PPI's header
        if kind == 14 or kind == 15:
            if off + 8 > end:
                return off, 0
            if kind == 15 and _le32(buf, off + 4) != DLT_IEEE802_11:
                return off, 0  # PPI around something other than 802.11
            off += _le16(buf, off + 2)  # the header's own length, both formats
        off, ethertype = _wlan(buf, off, end, i, macs)
        if ethertype == 0:
            return off, 0
    else:
        return off, 0
    return _encapsulated(buf, off, end, ethertype, out, i)


@njit(inline="always", cache=True)
def _le16(buf, off):
    return np.int64(buf[off]) | (np.int64(buf[off + 1]) << 8)


@njit(inline="always", cache=True)
def _le32(buf, off):
    return _le16(buf, off) | (_le16(buf, off + 2) << 16)


@njit(cache=True)
def _nflog(buf, off, end):
    """The packet of a Linux NFLOG record (``tcpdump -i nflog``: what a firewall rule logged):
    the address family, then type-length-value attributes in the logging host's byte order
    (read little-endian unless that cannot be), the packet in NFULA_PAYLOAD (9)."""
    if off + 4 > end:
        return off, 0
    family = buf[off]
    q = off + 4
    for _ in range(64):
        if q + 4 > end:
            return q, 0
        length, kind = _le16(buf, q), _le16(buf, q + 2)
        if length < 4 or q + length > end + 3:  # a big-endian host's log
            length, kind = _be16(buf, q), _be16(buf, q + 2)
        if length < 4:
            return q, 0
        if kind == NFULA_PAYLOAD:
            if family == 2:
                return q + 4, 4
            if family == 10:
                return q + 4, 6
            return q + 4, 0
        q += (length + 3) // 4 * 4
    return q, 0


@njit(cache=True)
def _wlan(buf, off, end, i, macs):
    """An 802.11 data frame's LLC/SNAP ethertype and the offset after it (0: a management,
    control, empty or encrypted frame), and its source and destination addresses as MACs."""
    if off + 24 > end:
        return off, 0
    fc = _le16(buf, off)
    kind = (fc >> 2) & 3
    if kind != 0 and kind != 2:  # control frames name no source, and carry nothing
        return off, 0
    subtype = (fc >> 4) & 0xF
    to_ds, from_ds = (fc >> 8) & 1, (fc >> 9) & 1
    header = 30 if to_ds and from_ds else 24  # a fourth address between two access points
    if off + header > end:
        return off, 0
    if kind == 2 and subtype & 0x8:  # QoS data: a QoS control field; with the order flag, an
        # HT control field too
        header += 2
        if fc & 0x8000:
            header += 4
    a1, a2, a3 = _be_uint(buf, off + 4, 6), _be_uint(buf, off + 10, 6), _be_uint(buf, off + 16, 6)
    macs[i, 1] = a3 if to_ds else a1  # destination
    if to_ds and from_ds:
        macs[i, 0] = _be_uint(buf, off + 24, 6)
    else:
        macs[i, 0] = a3 if from_ds else a2
    if kind != 2 or subtype & 0x4 or fc & 0x4000:  # management, no data, or encrypted
        return off, 0
    llc = off + header
    if llc + 8 > end or buf[llc] != 0xAA or buf[llc + 1] != 0xAA or buf[llc + 2] != 0x03:
        return off, 0
    return llc + 8, _be16(buf, llc + 6)


@njit(inline="always", cache=True)
def _ppp_ethertype(protocol):
    """The ethertype of what a PPP protocol number carries (0: nothing we decode)."""
    if protocol == PPP_IPV4:
        return ETH_IPV4
    if protocol == PPP_IPV6:
        return ETH_IPV6
    if protocol == PPP_MPLS:
        return ETH_MPLS
    return 0


@njit(cache=True)
def _encapsulated(buf, off, end, ethertype, out, i):
    """Peel what sits between the link layer and IP, as Wireshark does: stacked VLAN tags (802.1Q,
    802.1ad, old QinQ; the outer id is kept), a PPPoE session, an MPLS label stack (IPv4 or IPv6
    after the bottom label, or an Ethernet pseudowire behind its control word)."""
    tagged = False
    for _ in range(MAX_ENCAPSULATIONS):
        if ethertype == 0x8100 or ethertype == 0x88A8 or ethertype == 0x9100:
            if off + 4 > end:
                return off, 0
            if not tagged:
                out[F_VLAN, i] = _be16(buf, off) & 0x0FFF
                tagged = True
            ethertype = _be16(buf, off + 2)
            off += 4
        elif ethertype == ETH_PPPOE_SESSION:  # RFC 2516: 6-byte header, then the PPP protocol
            if off + 8 > end:
                return off, 0
            ethertype = _ppp_ethertype(_be16(buf, off + 6))
            off += 8
        elif ethertype == ETH_MPLS or ethertype == ETH_MPLS_MULTICAST:
            if off + 4 > end:
                return off, 0
            bottom = buf[off + 2] & 1
            off += 4
            if bottom:  # the label stack carries no payload type: the first nibble tells
                if off + 1 > end:
                    return off, 0
                nibble = np.int64(buf[off]) >> 4
                if nibble == 4:
                    ethertype = ETH_IPV4
                elif nibble == 6:
                    ethertype = ETH_IPV6
                elif nibble == 0:  # RFC 4448 control word, then the customer's Ethernet frame
                    if off + 18 > end:
                        return off, 0
                    ethertype = _be16(buf, off + 16)
                    off += 18
                else:
                    return off, 0
        else:
            break
    if ethertype == ETH_IPV4:
        return off, 4
    if ethertype == ETH_IPV6:
        return off, 6
    return off, 0


@njit(cache=True)
def _l4(buf, off, end, proto, l4_bytes, out, i):
    """Ports, flags, ICMP type/code and payload length from the L4 header at ``off``; ``F_CUT``
    where the snaplen cut what tells the packet's kind."""
    avail = end - off
    header = 0
    if proto == PROTO_TCP:
        if avail < TCP_FLAGS_END:
            out[F_CUT, i] = 1
        if avail >= 4:
            out[F_SPORT, i] = _be16(buf, off)
            out[F_DPORT, i] = _be16(buf, off + 2)
        if avail >= 14:
            header = (np.int64(buf[off + 12]) >> 4) * 4
            out[F_TCPFLAGS, i] = buf[off + 13]
        if avail >= 16:  # the receive window as sent (unscaled: the scale is in the SYN's options)
            out[F_TCPWIN, i] = _be16(buf, off + 14)
        if avail < 14:
            header = 20
    elif proto == PROTO_UDP or proto == PROTO_SCTP or proto == PROTO_UDPLITE:  # ports first
        if avail < PORTS_END:
            out[F_CUT, i] = 1
        if avail >= 4:
            out[F_SPORT, i] = _be16(buf, off)
            out[F_DPORT, i] = _be16(buf, off + 2)
        header = 8 if proto != PROTO_SCTP else 12
    elif proto == PROTO_ICMP or proto == PROTO_ICMPV6:
        if avail < ICMP_TYPE_END:
            out[F_CUT, i] = 1
        if avail >= 2:
            out[F_ICMPT, i] = buf[off]
            out[F_ICMPC, i] = buf[off + 1]
        header = 8
    elif proto == PROTO_GRE:
        header = 4
    payload = l4_bytes - header
    out[F_PAYLOAD, i] = min(max(payload, 0), 65535)


@njit(cache=True)
def _ipv4(buf, off, end, out, i, src, dst):
    """The IPv4 header's fields and its L4 header's; the L4 offset (-1: none to read)."""
    if off + 20 > end:
        out[F_IPVER, i] = 0
        return -1
    ihl = (np.int64(buf[off]) & 0x0F) * 4
    total = _be16(buf, off + 2)
    out[F_IPVER, i] = 4
    out[F_IPLEN, i] = total
    out[F_IPID, i] = _be16(buf, off + 4)
    flags_frag = _be16(buf, off + 6)
    frag = 0
    if flags_frag & 0x2000:
        frag |= 1
    if flags_frag & 0x1FFF:
        frag |= 2
    if flags_frag & 0x4000:
        frag |= 4
    out[F_FRAG, i] = frag
    out[F_TTL, i] = buf[off + 8]
    proto = np.int64(buf[off + 9])
    out[F_PROTO, i] = proto
    src[i, 0] = np.uint64(0)
    dst[i, 0] = np.uint64(0)
    src[i, 1] = np.uint64(0xFFFF00000000) | np.uint64(_be32(buf, off + 12))
    dst[i, 1] = np.uint64(0xFFFF00000000) | np.uint64(_be32(buf, off + 16))
    if ihl < 20:
        return -1
    l4_bytes = total - ihl
    if frag & 2:
        out[F_PAYLOAD, i] = min(max(l4_bytes, 0), 65535)
        return -1
    _l4(buf, off + ihl, end, proto, l4_bytes, out, i)
    return off + ihl


@njit(cache=True)
def _ipv6(buf, off, end, out, i, src, dst):
    """The IPv6 header's fields (extension headers walked) and its L4 header's; the L4 offset
    (-1: none to read)."""
    if off + 40 > end:
        out[F_IPVER, i] = 0
        return -1
    plen = _be16(buf, off + 4)
    nh = np.int64(buf[off + 6])
    out[F_IPVER, i] = 6
    out[F_IPLEN, i] = plen
    out[F_TTL, i] = buf[off + 7]
    src[i, 0] = _be_uint(buf, off + 8, 8)
    src[i, 1] = _be_uint(buf, off + 16, 8)
    dst[i, 0] = _be_uint(buf, off + 24, 8)
    dst[i, 1] = _be_uint(buf, off + 32, 8)
    pos = off + 40
    remaining = plen
    frag = 0
    for _ in range(MAX_EXT_HEADERS):
        if nh == 0 or nh == 43 or nh == 60:
            if pos + 2 > end:
                out[F_CUT, i] = 1
                break
            hlen = (np.int64(buf[pos + 1]) + 1) * 8
            nh = np.int64(buf[pos])
            pos += hlen
            remaining -= hlen
        elif nh == IPV6_AH:
            if pos + 2 > end:
                out[F_CUT, i] = 1
                break
            hlen = (np.int64(buf[pos + 1]) + 2) * 4
            nh = np.int64(buf[pos])
            pos += hlen
            remaining -= hlen
        elif nh == IPV6_FRAGMENT:
            if pos + 8 > end:
                out[F_CUT, i] = 1
                break
            nh = np.int64(buf[pos])
            offmf = _be16(buf, pos + 2)
            if offmf & 1:
                frag |= 1
            if offmf & 0xFFF8:
                frag |= 2
            out[F_IPID, i] = _be32(buf, pos + 4)
            pos += 8
            remaining -= 8
        else:
            break
    out[F_PROTO, i] = nh
    out[F_FRAG, i] = frag
    if frag & 2 or nh == IPV6_NO_NEXT:
        out[F_PAYLOAD, i] = min(max(remaining, 0), 65535)
        return -1
    if pos > end:  # the last extension header runs past what was captured
        out[F_CUT, i] = 1
        return -1
    _l4(buf, pos, end, nh, remaining, out, i)
    return pos


@njit(inline="always", cache=True)
def _looks_like_ethernet(buf, off, end):
    """Whether an Ethernet header at ``off`` carries what a mirrored frame does (IP, a VLAN tag,
    MPLS, PPPoE or ARP): a flood of datagrams to a tunnel's port stays a flood of datagrams."""
    if off + 14 > end:
        return False
    t = _be16(buf, off + 12)
    return (
        t == ETH_IPV4 or t == ETH_IPV6 or t == 0x8100 or t == 0x88A8 or t == 0x9100
        or t == 0x0806 or t == ETH_MPLS or t == ETH_MPLS_MULTICAST or t == ETH_PPPOE_SESSION
    )  # fmt: skip


@njit(cache=True)
def _mirrored(buf, l4, end, proto):
    """Offset of the Ethernet frame a mirror or overlay encapsulation carries at the L4 header
    ``l4``, or -1: VXLAN (UDP 4789, AWS and Azure traffic mirroring), GENEVE (UDP 6081), TZSP
    (UDP 37008, MikroTik's packet sniffer) and ERSPAN I, II and III (GRE, Cisco and Arista remote
    mirror sessions). The transport around them is the collector's, not the traffic's. Plain GRE
    and GRE-carried Ethernet (0x6558) are not peeled: a GRE flood's outer header is the attack."""
    inner = -1
    if proto == PROTO_UDP and l4 + 8 <= end:
        port = _be16(buf, l4 + 2)
        p = l4 + 8
        if port == VXLAN_PORT and p + 8 <= end and buf[p] & 0x08:  # the I flag: a VNI follows
            inner = p + 8
        elif port == GENEVE_PORT and p + 8 <= end and buf[p] >> 6 == 0:
            if _be16(buf, p + 2) == ETH_BRIDGED:
                inner = p + 8 + (np.int64(buf[p]) & 0x3F) * 4
        elif port == TZSP_PORT and p + 4 <= end and buf[p] == 1 and _be16(buf, p + 2) == 1:
            q = p + 4  # tagged fields up to the END tag (1); PADDING (0) is one byte
            for _ in range(64):
                if q >= end:
                    return -1
                if buf[q] == 1:
                    inner = q + 1
                    break
                q += 1 if buf[q] == 0 else 2 + (np.int64(buf[q + 1]) if q + 1 < end else 0)
    elif proto == PROTO_GRE and l4 + 4 <= end:
        flags = _be16(buf, l4)
        kind = _be16(buf, l4 + 2)
        header = 4
        if flags & 0x8000:  # checksum
            header += 4
        if flags & 0x2000:  # key
            header += 4
        if flags & 0x1000:  # sequence number
            header += 4
        if kind == ERSPAN_II:  # type I has no sequence number and no header of its own
            inner = l4 + header + (8 if flags & 0x1000 else 0)
        elif kind == ERSPAN_III and l4 + header + 12 <= end:
            optional = buf[l4 + header + 11] & 1  # the O flag: a platform subheader follows
            inner = l4 + header + 12 + (8 if optional else 0)
    if inner >= 0 and _looks_like_ethernet(buf, inner, end):
        return inner
    return -1


@njit(parallel=True, cache=True)
def decode_frames(buf, offsets, cap_lens, ifaces, if_kind, out, src, dst, macs, peeled):
    """Decode every frame: ``out`` int64[ROWS, n] (a row per field, then ``F_CUT``), ``src``/``dst`` uint64[n, 2]
    (hi, lo), ``macs`` uint64[n, 2] (source, destination MAC), ``peeled`` uint8[n] (how many
    mirror encapsulations were peeled: the fields are then the carried frame's, as Zeek and
    Arkime read them)."""
    n = offsets.shape[0]
    size = buf.shape[0]
    for i in prange(n):
        start = offsets[i]
        end = min(start + cap_lens[i], size)
        kind = if_kind[ifaces[i]]
        peeled[i] = 0
        for depth in range(MAX_MIRRORS + 1):
            for k in range(out.shape[0]):
                out[k, i] = 0
            out[F_TCPWIN, i] = NO_WINDOW
            src[i, 0] = 0
            src[i, 1] = 0
            dst[i, 0] = 0
            dst[i, 1] = 0
            macs[i, 0] = 0
            macs[i, 1] = 0
            l3, version = _l3_start(buf, start, end, kind, out, i, macs)
            l4 = -1
            if version == 4:
                l4 = _ipv4(buf, l3, end, out, i, src, dst)
            elif version == 6:
                l4 = _ipv6(buf, l3, end, out, i, src, dst)
            if l4 < 0 or depth == MAX_MIRRORS:
                break
            inner = _mirrored(buf, l4, end, out[F_PROTO, i])
            if inner < 0:
                break
            start = inner
            kind = 1  # Ethernet
            peeled[i] = depth + 1
