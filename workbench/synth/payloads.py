"""Application payloads that Wireshark decodes cleanly, one template per (kind, size).

Where the payload is evidence (DNS, NTP monlist, SSDP, memcached, CLDAP, SNMP,
WS-Discovery, chargen, HTTP) the bytes are a valid message of exactly the
requested size; elsewhere they are a plain pattern.
"""

from __future__ import annotations

import struct

ZONE = "mailprovider.example"


# the clients of the HTTP requests the blocks write (bots and browsers)
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/46.0",
    "Mozilla/5.0 (compatible; AnonymousDoS)",
    "Wget/1.16",
]


def _name(qname: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in qname.split(".") if p) + b"\0"


def dns_query(qname: str, qtype: int = 255, txid: int = 0x1234) -> bytes:
    """A recursive DNS query (default type ANY)."""
    return (
        struct.pack("!HHHHHH", txid, 0x0100, 1, 0, 0, 0)
        + _name(qname)
        + struct.pack("!HH", qtype, 1)
    )


def _txt_strings(length: int) -> bytes:
    out = b""
    text = b"v=spf1 ip4:192.0.2.0/24 include:_spf.example ~all "
    while length > 0:
        n = min(length - 1, 255)
        out += bytes([n]) + (text * (n // len(text) + 1))[:n]
        length -= n + 1
    return out


def dns_answer(size: int, qname: str = "isc.org", qtype: int = 255, txid: int = 0x1234) -> bytes:
    """DNS response (TXT records) of exactly ``size`` bytes (size >= 60) to a ``qtype`` question."""
    question = _name(qname) + struct.pack("!HH", qtype, 1)
    fixed = 12 + len(question)
    left = size - fixed
    records = []
    while left > 0:
        take = min(left, 1212)
        if left - take and left - take < 14:
            take = left - 14
        rdlen = take - 12
        strings = _txt_strings(rdlen)
        records.append(struct.pack("!HHHIH", 0xC00C, 16, 1, 3600, len(strings)) + strings)
        left -= 12 + len(strings)
    header = struct.pack("!HHHHHH", txid, 0x8180, 1, len(records), 0, 0)
    return header + question + b"".join(records)


def ntp_monlist(size: int) -> bytes:
    """NTP mode 7 MON_GETLIST_1 response: 8-byte header + 72-byte entries (size rounded to that)."""
    items = max(1, (size - 8) // 72)
    header = bytes([0x97, 0x00, 0x03, 0x2A]) + struct.pack("!HH", items, 72)
    entry = (
        struct.pack("!IIIIIIII", 10, 20, 30, 0xC0000201, 0xCB007105, 0, 0x0303, 123) + b"\0" * 40
    )
    return header + entry * items


def ssdp_response(size: int) -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\n"
        "LOCATION: http://192.168.1.1:1900/rootDesc.xml\r\n"
        "SERVER: Linux/2.6 UPnP/1.0 miniupnpd/1.9\r\nST: upnp:rootdevice\r\n"
        "USN: uuid:2f402f80-da50-11e1-9b23-001788255acc::upnp:rootdevice\r\n"
    )
    filler = max(0, size - len(head) - len("X-PAD: \r\n\r\n"))
    return (
        (head + "X-PAD: " + "a" * filler + "\r\n\r\n").encode()[: max(size, 0)]
        if filler
        else (head + "\r\n").encode()
    )


def ssdp_search() -> bytes:
    """An SSDP M-SEARCH for every device and service (UPnP 1.1: to 239.255.255.250:1900)."""
    return (
        b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\n'
        b"MX: 2\r\nST: ssdp:all\r\nUSER-AGENT: Windows/10.0 UPnP/1.1\r\n\r\n"
    )


def ntp_time(mode: int = 4) -> bytes:
    """An NTPv4 time packet (48 bytes): a client's request (mode 3) or a server's answer (4)."""
    return struct.pack("!BBbbII4s", (4 << 3) | mode, 2, 6, -23, 0x100, 0x200, b"GPS\0") + bytes(32)


def memcached_value(size: int) -> bytes:
    udp_header = struct.pack("!HHHH", 0x0001, 0, 1, 0)
    n = max(1, size - len(udp_header) - len("VALUE k 0 \r\n\r\nEND\r\n") - 4)
    return udp_header + f"VALUE k 0 {n}\r\n".encode() + b"x" * n + b"\r\nEND\r\n"


def chargen(size: int) -> bytes:
    line = bytes(range(33, 33 + 72)) + b"\r\n"
    return (line * (size // len(line) + 1))[:size]


def _ber(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 128:
        length = bytes([n])
    elif n < 256:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    return bytes([tag]) + length + content


def _int(value: int) -> bytes:
    return _ber(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big"))


def cldap_response(size: int) -> bytes:
    """An LDAP searchResEntry (rootDSE, padded attribute) + searchResDone over UDP."""
    done = _ber(0x30, _int(1) + _ber(0x65, _ber(0x0A, b"\0") + _ber(0x04, b"") + _ber(0x04, b"")))

    def entry(pad: int) -> bytes:
        attr = _ber(
            0x30,
            _ber(0x04, b"supportedCapabilities")
            + _ber(0x31, _ber(0x04, b"1.2.840.113556.1.4.800" + b"0" * pad)),
        )
        return _ber(0x30, _int(1) + _ber(0x64, _ber(0x04, b"") + _ber(0x30, attr)))

    pad = 0
    while len(entry(pad)) + len(done) < size:
        pad += max(1, size - len(entry(pad)) - len(done))
    while pad > 0 and len(entry(pad)) + len(done) > size:
        pad -= 1
    return entry(pad) + done


def snmp_response(size: int) -> bytes:
    """SNMPv2c GetResponse with OCTET STRING varbinds, about ``size`` bytes."""

    def message(pad: int) -> bytes:
        bind = _ber(
            0x30,
            _ber(0x06, bytes([0x2B, 6, 1, 2, 1, 1, 1, 0]))
            + _ber(0x04, b"Linux router " + b"x" * pad),
        )
        pdu = _ber(0xA2, _int(1234) + _int(0) + _int(0) + _ber(0x30, bind))
        return _ber(0x30, _int(1) + _ber(0x04, b"public") + pdu)

    pad = max(0, size - len(message(0)))
    while pad > 0 and len(message(pad)) > size:
        pad -= 1
    return message(pad)


def ws_discovery(size: int) -> bytes:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><soap:Envelope '
        'xmlns:soap="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery"><soap:Body><wsd:ProbeMatches>'
    )
    tail = "</wsd:ProbeMatches></soap:Body></soap:Envelope>"
    filler = max(0, size - len(body) - len(tail) - len("<!---->"))
    return (body + "<!--" + "p" * filler + "-->" + tail).encode()


def http_get(host: str, path: str, agent: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {agent}\r\n"
        "Accept: */*\r\nConnection: keep-alive\r\n\r\n"
    ).encode()


def _netbios_name(name: str, suffix: int = 0x20) -> bytes:
    """A NetBIOS name, first-level encoded (RFC 1001: 16 bytes, each as two letters)."""
    raw = name.encode()[:15].ljust(15, b" " if name != "*" else b"\0") + bytes([suffix])
    return b"\x20" + bytes(b for c in raw for b in (0x41 + (c >> 4), 0x41 + (c & 15))) + b"\0"


def nbns_query(name: str = "FILESERVER", txid: int = 0x8A31) -> bytes:
    """A NetBIOS name query, broadcast (RFC 1002: NB, class IN; 50 bytes)."""
    header = struct.pack("!HHHHHH", txid, 0x0110, 1, 0, 0, 0)
    return header + _netbios_name(name) + struct.pack("!HH", 0x20, 1)


def nbns_answer(name: str = "FILESERVER", address: int = 0xCB007164, txid: int = 0x8A31) -> bytes:
    """The name's owner's positive answer (one NB record: its IPv4 address; 62 bytes)."""
    header = struct.pack("!HHHHHH", txid, 0x8500, 0, 1, 0, 0)
    record = struct.pack("!HHIHHI", 0x20, 1, 300000, 6, 0, address)
    return header + _netbios_name(name) + record


def nbstat_answer(size: int) -> bytes:
    """A NetBIOS node status answer (NBSTAT, what a reflection brings): names of 18 bytes and
    46 bytes of statistics; ``size`` rounded down to whole names (229, 265, 301 are exact)."""
    names = max(1, (size - 103) // 18)
    table = b"".join(
        f"HOST{k:02d}".encode().ljust(15) + bytes([0x20 if k % 2 else 0]) + b"\x04\x00"
        for k in range(names)
    )
    data = bytes([names]) + table + bytes.fromhex("02a0c9123456") + b"\0" * 40
    header = struct.pack("!HHHHHH", 0, 0x8400, 0, 1, 0, 0)
    record = struct.pack("!HHIH", 0x21, 1, 0, len(data))
    return header + _netbios_name("*", 0) + record + data


def openvpn_data(size: int, key: int) -> bytes:
    """An OpenVPN data-channel packet of ``size`` bytes (P_DATA_V2: opcode 9, key 0, a 3-byte
    peer id, a packet id), its encrypted tunnel traffic a stand-in pattern."""
    head = bytes([9 << 3]) + key.to_bytes(3, "big") + (1).to_bytes(4, "big")
    return head + bytes((key * 29 + i) & 0xFF for i in range(max(size - len(head), 0)))


def esp_in_udp(size: int, spi: int) -> bytes:
    """An ESP packet of ``size`` bytes as IPsec NAT traversal carries it in UDP (RFC 3948: an
    SPI that is not zero, a sequence number), its encrypted payload a stand-in pattern."""
    head = (spi or 1).to_bytes(4, "big") + (1).to_bytes(4, "big")
    return head + bytes((spi * 13 + i) & 0xFF for i in range(max(size - len(head), 0)))


def wireguard_data(size: int, receiver: int) -> bytes:
    """A WireGuard transport-data message of about ``size`` bytes: type 4, three reserved zero
    bytes, the receiver's index and a 64-bit counter (little-endian), then the encrypted packet,
    padded to 16 bytes and followed by its 16-byte tag (a multiple of 16 in all); the
    ciphertext a stand-in pattern."""
    body = max(size - 16, 32) // 16 * 16
    head = bytes([4, 0, 0, 0]) + receiver.to_bytes(4, "little") + (1).to_bytes(8, "little")
    return head + bytes((receiver * 31 + i) & 0xFF for i in range(body))


def a2s_query(size: int = 25) -> bytes:
    """Valve's server query A2S_INFO (the Source engine's "TSource Engine Query", 25 bytes; a
    query flood's datagram whatever ``size``)."""
    return b"\xff\xff\xff\xffTSource Engine Query\x00"


def a2s_info(size: int) -> bytes:
    """A game server's A2S_INFO answer of about ``size`` bytes: header ``I``, protocol 17, its
    name, map, folder and game, app id, players, maximum, bots, a dedicated Linux server, public,
    VAC-secured, then its version."""
    name = b"Provider Games #1 " + b"-" * max(size - 60, 0)
    return (b"\xff\xff\xff\xffI\x11" + name + b"\x00de_dust2\x00csgo\x00Counter-Strike\x00"
            + b"\xda\x02" + bytes([12, 32, 0]) + b"dl\x00\x01" + b"1.38.7.9\x00")  # fmt: skip


def rtp_video(size: int, ssrc: int) -> bytes:
    """An RTP packet of ``size`` bytes carrying H.264 video (RFC 3550, RFC 6184): version 2,
    dynamic payload type 96, a sequence number, a timestamp and the camera's SSRC, then a
    fragmentation unit (FU-A) of a coded slice, its bytes a stand-in pattern."""
    head = bytes([0x80, 96]) + (ssrc & 0xFFFF).to_bytes(2, "big") + (90000).to_bytes(4, "big")
    head += ssrc.to_bytes(4, "big") + bytes([0x7C, 0x85])
    return head + bytes((ssrc + i) & 0xFF for i in range(max(size - len(head), 0)))


def rtcp_report(ssrc: int, sender: bool) -> bytes:
    """An RTCP sender report (the camera's: packet type 200, its NTP and RTP times and counts)
    or receiver report (the recorder's: type 201, one report block on the camera's stream),
    RFC 3550."""
    if sender:
        return bytes([0x80, 200, 0, 6]) + ssrc.to_bytes(4, "big") + bytes(8) + (90000).to_bytes(4, "big") + bytes(8)  # fmt: skip
    block = ssrc.to_bytes(4, "big") + bytes(4) + (1000).to_bytes(4, "big") + bytes(12)
    return bytes([0x81, 201, 0, 7]) + (0x5EC0).to_bytes(4, "big") + block


def pattern(size: int, byte: int = 0) -> bytes:
    return bytes([byte]) * size


TEMPLATES = {
    "dns_answer": dns_answer,
    "ntp_monlist": ntp_monlist,
    "ssdp": ssdp_response,
    "memcached": memcached_value,
    "chargen": chargen,
    "cldap": cldap_response,
    "snmp": snmp_response,
    "ws_discovery": ws_discovery,
    "nbstat": nbstat_answer,
    "a2s_query": a2s_query,
    "a2s_info": a2s_info,
    "zeros": pattern,
}


def tls_record(size: int, key: int, kind: int = 23) -> bytes:
    """A TLS 1.2/1.3 record of ``size`` bytes in all (``kind`` 23: application data, what every
    record after the handshake is on the wire, a close_notify alert included; 22: handshake)."""
    size, key = int(size), int(key)
    body = bytes((key * 131 + i * 7) & 0xFF for i in range(size - 5))
    return bytes([kind, 3, 3]) + (size - 5).to_bytes(2, "big") + body
