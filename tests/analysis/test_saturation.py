"""Link saturation at every time scale, against synthesizer truth and built micro-bursts."""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import polars as pl

import workbench as wb
from workbench import synth
from workbench.analysis import saturation
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
