"""Link types the fast path decodes: a table, one row per DLT value.

``kind`` selects the decoder in ``decode.py``; adding a link type is adding a row
(and a test). Anything else keeps a row per packet with ``ip_ver`` 0 and a warning
that suggests ``engine="tshark"``.
"""

from __future__ import annotations

import numpy as np

# decoder kinds (used inside the Numba kernel)
KIND_UNKNOWN = 0
KIND_ETHERNET = 1  # 14-byte header, ethertype at 12, stacked VLAN tags
KIND_SLL = 2  # Linux cooked v1: protocol at 14, 16-byte header
KIND_SLL2 = 3  # Linux cooked v2: protocol at 0, 20-byte header
KIND_RAW = 4  # raw IP, version from the first nibble
KIND_RAW4 = 5
KIND_RAW6 = 6
KIND_NULL = 7  # BSD loopback: 4-byte address family in the capturing host's byte order
KIND_LOOP = 8  # OpenBSD loopback: 4-byte address family, big-endian
KIND_PPP = 9  # PPP, optionally in HDLC-like framing (ff 03), or Cisco HDLC framing
KIND_CHDLC = 10  # Cisco HDLC: address, control, then an ethertype
KIND_PPPOE = 11  # a PPPoE session header with no Ethernet header before it
KIND_NFLOG = 12  # Linux NFLOG: what a firewall rule logged, in type-length-value attributes
KIND_WLAN = 13  # 802.11: data frames' LLC/SNAP ethertype (encrypted ones are not read)
KIND_RADIOTAP = 14  # 802.11 behind a radiotap header (monitor mode)
KIND_PPI = 15  # 802.11 behind a PPI header

LINK_TYPES: dict[int, tuple[str, int]] = {
    0: ("NULL (BSD loopback)", KIND_NULL),
    1: ("EN10MB (Ethernet)", KIND_ETHERNET),
    9: ("PPP", KIND_PPP),
    12: ("RAW (raw IP, OpenBSD value)", KIND_RAW),
    14: ("RAW (raw IP, BSD/OS value)", KIND_RAW),
    50: ("PPP_SERIAL (PPP in HDLC-like framing)", KIND_PPP),
    51: ("PPP_ETHER (PPPoE)", KIND_PPPOE),
    101: ("RAW (raw IP)", KIND_RAW),
    104: ("C_HDLC (Cisco HDLC)", KIND_CHDLC),
    105: ("IEEE802_11 (Wi-Fi)", KIND_WLAN),
    127: ("IEEE802_11_RADIO (Wi-Fi with radiotap)", KIND_RADIOTAP),
    108: ("LOOP (OpenBSD loopback)", KIND_LOOP),
    113: ("LINUX_SLL (Linux cooked v1)", KIND_SLL),
    192: ("PPI (Wi-Fi with PPI)", KIND_PPI),
    228: ("IPV4 (raw IPv4)", KIND_RAW4),
    229: ("IPV6 (raw IPv6)", KIND_RAW6),
    239: ("NFLOG (Linux netfilter log)", KIND_NFLOG),
    276: ("LINUX_SLL2 (Linux cooked v2)", KIND_SLL2),
}


def kind_of(link_type: int) -> int:
    """Decoder kind of a DLT value (``KIND_UNKNOWN`` when the fast path cannot decode it)."""
    return LINK_TYPES.get(int(link_type), ("", KIND_UNKNOWN))[1]


def name_of(link_type: int) -> str:
    """Readable name of a DLT value."""
    return LINK_TYPES.get(int(link_type), (f"link type {link_type}", KIND_UNKNOWN))[0]


def kinds_array(link_types: np.ndarray) -> np.ndarray:
    """Decoder kind per interface, for the kernel."""
    return np.array([kind_of(int(t)) for t in link_types], dtype=np.uint8)
