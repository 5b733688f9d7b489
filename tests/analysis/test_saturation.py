"""Link saturation at every time scale, against synthesizer truth and built micro-bursts."""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import polars as pl
import pytest

import workbench as wb
from workbench import synth
from workbench.analysis import episodes, saturation
from workbench.capture.schema import PACKET_SCHEMA


def _sec(text: str) -> float:
    return datetime.fromisoformat(text.rstrip("Z")[:26]).timestamp()


def test_saturated_intervals_match_the_truth(tmp_path) -> None:
    path = tmp_path / "sat.pcapng"
    truth = synth.write("saturation", path, seed=4, scale=0.1)
    report = wb.analyze(wb.load(path), link_capacity=truth["capacity_bps"])
    sat = report.saturation
    attack = truth["phases"][1]
    start, end = _sec(attack["start"]), _sec(attack["end"])
    intervals = sat["intervals"]
    assert intervals, sat
    assert abs(_sec(intervals[0]["start"]) - start) <= 0.1 + 1e-6  # within one 100 ms bin
    assert abs(_sec(intervals[-1]["end"]) - end) <= 0.2  # the queue drains within a bin or two
    over95 = next(s["seconds"] for s in sat["seconds_over"] if s["threshold"] == 0.95)
    assert abs(over95 - (end - start)) <= 1.0
    assert sat["drops"]["capture_drops"] == truth["drops"] > 0
    legit = sat["legitimate"]
    assert legit["during"]["legit_share"] < legit["before"]["legit_share"]


def _frame(ts_ns: np.ndarray, sizes: np.ndarray) -> pl.DataFrame:
    n = len(ts_ns)
    cols = {
        name: np.zeros(n, dtype=np.int64)
        for name in PACKET_SCHEMA.names()
        if name not in ("ts", "src", "dst")
    }
    cols["wire_len"] = sizes
    frame = pl.DataFrame(cols).with_columns(
        ts=pl.Series(ts_ns).cast(pl.Datetime("ns", "UTC")),
        src=pl.lit(0, dtype=pl.UInt128),
        dst=pl.lit(0, dtype=pl.UInt128),
    )
    return frame.select([pl.col(c).cast(t) for c, t in PACKET_SCHEMA.items()])


def test_micro_bursts_show_at_1ms_and_10ms_not_at_1s() -> None:
    capacity = 100e6
    base = 1_700_000_000 * 10**9
    # 10 s of 10 Mbit/s background plus, every second, 5 ms at 3x the capacity
    background = base + np.arange(0, 10 * 10**9, 1_200_000)  # 1500 B every 1.2 ms = 10 Mbit/s
    bursts = np.concatenate(
        [base + s * 10**9 + np.arange(0, 5_000_000, 40_000) for s in range(10)]
    )  # 1500 B / 40 us
    ts = np.sort(np.concatenate([background, bursts]))
    frame = _frame(ts, np.full(len(ts), 1500))
    peaks = {
        p["bin_ms"]: p["peak_utilization"] for p in saturation.assess(frame, capacity)["peaks"]
    }
    assert peaks[1] >= 1.0 and peaks[10] >= 1.0
    assert peaks[1000] < 0.5 and peaks[10000] < 0.5


def test_no_capacity_still_reports_peaks() -> None:
    frame = _frame(np.arange(10) * 10**8 + 10**18, np.full(10, 100))
    section = saturation.assess(frame, None)
    assert section["peak_utilization"] is None and section["peaks"][3]["peak_bps"] == 8000.0


def test_per_link_capacities_by_vlan(tmp_path) -> None:
    """The bundled sample carries mail traffic on VLAN 10: a small link there saturates, the rest does not."""
    from pathlib import Path

    from workbench.analysis import capacity

    sample = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"
    links = capacity.parse_links(["vlan:10=20k", "vlan:0=100M"])
    assert links == [("vlan", 10, 20e3), ("vlan", 0, 100e6)]
    report = wb.analyze(wb.load(sample), link_capacity=["vlan:10=20k", "vlan:0=100M"])
    per_link = {entry["link"]: entry for entry in report.saturation["links"]}
    assert per_link["vlan:10"]["peak_utilization"] > 1.0 and per_link["vlan:10"]["intervals"]
    assert per_link["vlan:0"]["peak_utilization"] < 0.1 and not per_link["vlan:0"]["intervals"]
    assert report.parameters["links"][0] == {"link": "vlan:10", "capacity_bps": 20e3}


def test_link_spec_errors_name_the_input() -> None:
    import pytest

    from workbench.analysis import capacity

    for bad in ("port:80=10G", "mac:00:1b:21=10G", "vlan:x=1G", "eth0=ten"):
        with pytest.raises(wb.ParameterError, match=re.escape(bad)):
            capacity.parse_links([bad])


def test_router_mac_links_per_direction(tmp_path) -> None:
    """The saturation scenario brings its attack through the second upstream router only: that
    link is full for the attack's duration, inbound; the first one never is."""
    path = tmp_path / "sat.pcapng"
    truth = synth.write("saturation", path, seed=4, scale=0.1)
    cap = truth["capacity_bps"]
    attacked = [u["mac"] for u in truth["uplinks"] if u["attack"]]
    quiet = [u["mac"] for u in truth["uplinks"] if not u["attack"]]
    assert len(attacked) == len(quiet) == 1
    specs = [f"mac:{attacked[0]}={cap}", f"mac:{quiet[0].replace(':', '-')}={cap}"]
    links = {
        e["link"]: e for e in wb.analyze(wb.load(path), link_capacity=specs).saturation["links"]
    }
    hit, calm = links[f"mac:{attacked[0]}"], links[f"mac:{quiet[0]}"]
    attack = truth["phases"][1]
    start, end = _sec(attack["start"]), _sec(attack["end"])
    assert hit["busiest_direction"] == "from_router" and hit["peak_utilization"] > 0.95
    assert abs(_sec(hit["intervals"][0]["start"]) - start) <= 0.1 + 1e-6
    assert abs(_sec(hit["intervals"][-1]["end"]) - end) <= 0.2
    over80 = next(s["seconds"] for s in hit["seconds_over"] if s["threshold"] == 0.8)
    assert abs(over80 - (end - start)) <= 1.0
    assert hit["directions"]["to_router"]["peak_utilization"] < 0.5  # the answers going out are few
    assert calm["peak_utilization"] < 0.5 and not calm["intervals"]
    assert (
        calm["directions"]["from_router"]["packets"] > 0
        and calm["directions"]["to_router"]["packets"] > 0
    )
    # the strip the notebook draws: a row per link and direction, the attacked one full
    from workbench.analysis import capacity

    util = saturation.links_series(wb.load(path).packets, capacity.parse_links(specs), 1000)
    peak = dict(util.group_by("link").agg(pl.col("utilization").max()).iter_rows())
    assert set(peak) == {
        f"mac:{m} {d} router" for m in (attacked[0], quiet[0]) for d in ("from", "to")
    }
    assert peak[f"mac:{attacked[0]} from router"] > 0.9 > 0.5 > peak[f"mac:{quiet[0]} from router"]


def test_links_by_interface_name(tmp_path) -> None:
    """pcapng interface names (if_name) map links like Wireshark shows them: ``capture-point=2M``."""
    import pytest

    path = tmp_path / "sat.pcapng"
    truth = synth.write("saturation", path, seed=4, scale=0.1)
    capture = wb.load(path)
    cap = truth["capacity_bps"]
    report = wb.analyze(capture, link_capacity=[f"capture-point={cap}", f"iface:0={cap}"])
    by_name, by_number = report.saturation["links"]
    assert by_name["link"] == "capture-point" and by_number["link"] == "iface:0"
    assert {k: v for k, v in by_name.items() if k != "link"} == {
        k: v for k, v in by_number.items() if k != "link"
    }
    assert by_name["intervals"]
    with pytest.raises(wb.ParameterError, match=r"eth0.*capture-point"):
        wb.analyze(capture, link_capacity=["eth0=10G"])


def test_link_strip_and_goodput_render_offline() -> None:
    from pathlib import Path

    import vl_convert

    from workbench import viz
    from workbench.analysis.saturation import utilization_series

    sample = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"
    report = wb.analyze(wb.load(sample), link_capacity="3M")
    util = utilization_series(report.packets, 3e6, 1000, by="vlan").with_columns(
        link=pl.format("vlan:{}", pl.col("vlan"))
    )
    svg = vl_convert.vegalite_to_svg(
        (
            viz.link_strip(util)
            & viz.goodput_chart(wb.analysis.rollup(report.series, 1000, by="vector"))
        ).to_json()
    )
    assert "vlan:10" in svg and "legitimate" in svg


def test_directions_toward_and_from_the_targets() -> None:
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"
    report = wb.analyze(wb.load(sample), link_capacity="3M")
    directions = report.saturation["directions"]
    inbound, outbound = directions["toward_targets"], directions["from_targets"]
    assert inbound["peak_utilization"] > 0.9  # the attack fills the link toward the victims
    assert (
        outbound["packets"] > 0 and outbound["peak_bps"] < 0.5 * inbound["peak_bps"]
    )  # their answers are smaller


def _udp_pcap(stamps_us: list[int], size: int) -> bytes:
    """A little-endian microsecond pcap of Ethernet/IPv4/UDP frames of ``size`` bytes each."""
    import struct

    payload = b"\x00" * (size - 14 - 20 - 8)
    udp = struct.pack("!HHHH", 53, 40000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([198, 51, 100, 1]), bytes([203, 0, 113, 5]))  # fmt: skip
    frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for us in stamps_us:
        out += struct.pack("<IIII", us // 10**6, us % 10**6, len(frame), len(frame)) + frame
    return out


@pytest.mark.parametrize("bin_ms", [50, 3, 200])
def test_saturation_at_other_bin_sizes_is_computed_at_that_bin(tmp_path, bin_ms: int) -> None:
    """Issue 20, defect 1: a bin size outside the fixed scales (1 ms .. 10 s) reported the 10 s
    peak as ``peak_utilization`` and no ``peak_bps``; the peak must be taken at the chosen bin."""
    capacity, size = 10e6, 1000
    base = 1_700_000_000 * 10**6
    # 10 s of one frame every 100 ms (70 ms into each), and a burst of 40 frames 1 ms apart at 5 s
    background = [base + k * 100_000 + 70_000 for k in range(100)]
    burst = [base + 5 * 10**6 + i * 1000 for i in range(40)]
    stamps = sorted(background + burst)
    path = tmp_path / "burst.pcap"
    path.write_bytes(_udp_pcap(stamps, size))
    # the truth, counted here: frames in the busiest bin of that size
    bins = np.array(stamps, dtype=np.int64) * 1000 // (bin_ms * 10**6)
    busiest = int(np.unique(bins, return_counts=True)[1].max())
    want_bps = busiest * size * 8 / (bin_ms / 1000)
    section = saturation.assess(wb.load(path).packets, capacity, bin_ms=bin_ms)
    assert section["bin_ms"] == bin_ms
    assert section["peak_bps"] == pytest.approx(want_bps)
    assert section["peak_utilization"] == pytest.approx(round(want_bps / capacity, 4))
    at_bin = next(p for p in section["peaks"] if p["bin_ms"] == bin_ms)
    assert at_bin["peak_bps"] == pytest.approx(want_bps)
    assert at_bin["at"].startswith("2023-11-14T22:13:25.")  # the burst, 5 s in


def test_a_capture_shorter_than_a_bin_reports_its_true_rate(tmp_path) -> None:
    """A 0.41 s capture at 10,000 packets/s of 1,000 B frames: its 1 s (and 10 s) peak is its
    real rate, 80 Mbit/s, not its bytes spread over a whole second (32.8 Mbit/s)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
    from pcapbuild import ether, ipv4, pcap, udp

    rate_pps, seconds, size = 10_000, 0.41, 1000
    n = int(rate_pps * seconds)
    start = 1_446_623_758.3  # mid-second: the capture straddles no second boundary
    payload = b"x" * (size - 14 - 20 - 8)
    frame_bytes = ether(ipv4("198.51.100.7", "203.0.113.10", 17, udp(40000, 80, payload)))
    assert len(frame_bytes) == size
    path = tmp_path / "short.pcap"
    path.write_bytes(pcap([(start + k / rate_pps, frame_bytes) for k in range(n)]))
    report = wb.analyze(wb.load(path), link_capacity="100M")
    peaks = {p["bin_ms"]: p for p in report.saturation["peaks"]}
    true_bps = rate_pps * size * 8
    for bin_ms in (100, 1000, 10000):
        assert peaks[bin_ms]["peak_bps"] == pytest.approx(true_bps, rel=0.01), bin_ms
        assert peaks[bin_ms]["peak_pps"] == pytest.approx(rate_pps, rel=0.01), bin_ms
    assert peaks[1000]["peak_utilization"] == pytest.approx(0.8, rel=0.01)
    phase = report.phases[0]
    assert phase["peak_bps"] == pytest.approx(true_bps, rel=0.01)
    assert phase["peak_pps"] == pytest.approx(rate_pps, rel=0.01)


def test_edge_slivers_do_not_make_peaks() -> None:
    """A capture that ends 2 ms into a second: that sliver holds two frames, which rated over
    2 ms would be a peak ten times the real one; it is rated, but holds no peak."""
    base = 1_700_000_000 * 10**9
    ts = np.r_[base + np.arange(0, 3 * 10**9, 10**7), base + 3 * 10**9 + np.array([0, 10**6])]
    section = saturation.assess(_frame(ts, np.full(len(ts), 1250)), 10e6)
    peak = next(p for p in section["peaks"] if p["bin_ms"] == 1000)
    assert peak["peak_bps"] == pytest.approx(1e6, rel=0.02)


def test_bins_shorter_than_a_full_frame_carry_a_note() -> None:
    """At 3 Mbit/s a 1,518 B frame takes 4.05 ms: the 1 ms peak says it measures single frames."""
    ts = 1_700_000_000 * 10**9 + np.arange(0, 2 * 10**9, 5 * 10**6)
    section = saturation.assess(_frame(ts, np.full(len(ts), 1500)), 3e6)
    notes = {p["bin_ms"]: p.get("note") for p in section["peaks"]}
    assert section["frame_time_ms"] == pytest.approx(4.048)
    assert notes[1] and "4.05 ms" in notes[1]
    assert notes[10] is None and notes[1000] is None


def _episode_frame(blips: tuple[float, ...]) -> pl.DataFrame:
    """20 s at 1 Mbit/s on a 10 Mbit/s link; 12 Mbit/s from 5 s to 11 s and for 100 ms at each
    of ``blips`` (1,500 B frames)."""
    base = 1_700_000_000 * 10**9
    background = base + np.arange(0, 20 * 10**9, 12 * 10**6)
    flood = base + 5 * 10**9 + np.arange(0, 6 * 10**9, 10**6)
    spikes = [base + int(at * 1e9) + np.arange(0, 10**8, 10**6) for at in blips]
    ts = np.sort(np.concatenate([background, flood, *spikes]))
    return _frame(ts, np.full(len(ts), 1500))


def test_six_seconds_over_the_threshold_is_one_episode_and_blips_are_micro_bursts() -> None:
    section = saturation.assess(_episode_frame((14.0, 16.5, 18.2)), 10e6)
    (episode,) = section["episodes"]
    assert episode["start"].startswith("2023-11-14T22:13:25.000")  # base + 5 s
    assert episode["seconds"] == pytest.approx(6.0, abs=0.1)
    assert episode["peak_utilization"] > 1.0 and episode["mean_utilization"] > 0.95
    bursts = section["micro_bursts"]
    assert bursts["count"] == 3 and bursts["seconds"] == pytest.approx(0.3, abs=0.11)
    assert len(section["intervals"]) == 4  # the raw intervals stay as they were


def test_the_minimum_episode_length_is_a_parameter() -> None:
    frame = _episode_frame(())
    util = saturation.utilization_series(frame, 10e6, 100)
    assert len(episodes.episodes(util, 100, min_s=5.0)[0]) == 1
    assert episodes.episodes(util, 100, min_s=7.0)[0] == []
    assert episodes.episodes(util, 100, min_s=7.0)[1]["count"] == 1
    report = wb.analyze(
        frame, link_capacity="10M", config=wb.AnalysisConfig(saturation_episode_min_s=7.0)
    )
    assert report.parameters["analysis"]["saturation_episode_min_s"] == 7.0
    assert report.saturation["episodes"] == [] and report.saturation["micro_bursts"]["count"] == 1


def test_directions_count_addresses_and_prefixes_as_the_packets_say() -> None:
    """Targets given as addresses and as a prefix: the packets toward and from them are those
    whose address is one of the addresses or falls in the prefix, counted here in Python."""
    import ipaddress
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"
    frame = wb.load(sample).packets.with_columns(vector=pl.lit(None, dtype=pl.String))
    targets = ["203.0.113.10", "198.51.100.0/24", "203.0.113.11", "2001:db8::1"]
    nets = [ipaddress.ip_network(t) for t in targets]

    def hit(text: str) -> bool:
        address = ipaddress.ip_address(text)
        return any(address.version == n.version and address in n for n in nets)

    texts = frame.select(
        pl.col("src").ip.to_text().alias("s"), pl.col("dst").ip.to_text().alias("d")
    )
    toward = sum(hit(t) for t in texts["d"].to_list())
    away = sum(hit(t) for t in texts["s"].to_list())
    found = saturation.assess_directions(frame, 3e6, targets)
    assert toward > 0 and away > 0
    assert found["toward_targets"]["packets"] == toward
    assert found["from_targets"]["packets"] == away
