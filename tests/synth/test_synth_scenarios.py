"""The synthesizer, checked on the bytes it writes: by tshark, by our reader, against its own truth."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator

import numpy as np
import polars as pl
import pytest

import workbench as wb
from workbench import synth

SMALL = 0.1


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Iterator[dict[str, tuple]]:
    """Every scenario written once at a small scale: name -> (path, truth, frame, labels)."""
    folder = tmp_path_factory.mktemp("synth")
    out = {}
    for name in synth.SCENARIOS:
        fmt = "pcapng" if name in {"saturation", "mailprovider-2015"} else "pcap"
        path = folder / f"{name}.{fmt}"
        truth = synth.write(name, path, seed=3, scale=SMALL if name != "saturation" else 0.05)
        frame = wb.load(path).packets
        labels = pl.read_parquet(synth.labels_path(path))
        out[name] = (path, truth, frame.with_columns(labels["label"], labels["phase"]), labels)
    yield out
    shutil.rmtree(folder, ignore_errors=True)  # hundreds of megabytes, read by this module only


def test_every_scenario_listed_and_described() -> None:
    listed = synth.list_scenarios()
    assert {"mailprovider-2015", "reflection-mix", "tcp-state-floods", "fragments", "application-layer",
            "carpet-bombing"} <= set(listed)  # fmt: skip
    assert all(len(text) > 20 for text in listed.values())


def test_vocabulary_covered(written) -> None:
    seen = {
        label for _, _, frame, _ in written.values() for label in frame["label"].unique().to_list()
    }
    assert set(synth.VOCABULARY) <= seen, set(synth.VOCABULARY) - seen


def test_reader_agrees_with_labels(written) -> None:
    for name, (_path, truth, frame, labels) in written.items():
        assert frame.height == labels.height == truth["packets"], name
        counts = dict(labels.group_by("label").len().iter_rows())
        assert counts == truth["packets_by_label"], name


# packets of other IP protocols carry no header of the protocol they name (a random protocol
# field's, a protocol scan's empty probes), as the real ones do not: their dissectors (SCTP,
# HIP, ...) call them malformed, so only the frames of these protocols are checked there
_NAMED = " || ".join(f"ip.proto == {p}" for p in (1, 6, 17, 47, 50))
RAW_PROTOCOLS = {"ip-protocol-floods": _NAMED, "ipsec-tunnel": _NAMED}


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_tshark_reads_without_malformed_packets(tmp_path, tshark, fmt: str) -> None:
    for name in synth.SCENARIOS:
        path = tmp_path / f"{name}.{fmt}"
        synth.write(name, path, seed=5, scale=0.05)
        # one tshark pass: every frame's number, then the expert errors' statistics
        expert = ",".join(["expert", "error", *([RAW_PROTOCOLS[name]] if name in RAW_PROTOCOLS else [])])  # fmt: skip
        done = subprocess.run([tshark, "-r", str(path), "-n", "-T", "fields", "-e", "frame.number",
                               "-z", expert], capture_output=True, text=True, check=True)  # fmt: skip
        lines = done.stdout.splitlines()
        numbers = [line for line in lines if line.strip().isdigit()]
        stats = "\n".join(line for line in lines if not line.strip().isdigit())
        assert "Malformed" not in stats and "Errors" not in stats, (name, stats[-800:])
        assert len(numbers) == wb.load(path).packets.height


def test_ntp_answers_from_port_123_with_configured_sizes(written) -> None:
    frame = written["reflection-mix"][2].filter(pl.col("label") == "ntp_amplification")
    assert frame.height > 50
    assert frame["sport"].unique().to_list() == [123] and frame["proto"].unique().to_list() == [17]
    assert set(frame["payload_len"].unique().to_list()) == {224, 440}  # monlist: 8 + 72 * items


def test_large_dns_answers_are_fragmented_like_real_ones(written) -> None:
    dns = written["reflection-mix"][2].filter(pl.col("label") == "dns_amplification")
    first = dns.filter((pl.col("frag") & 1 > 0) & (pl.col("frag") & 2 == 0))
    later = dns.filter(pl.col("frag") & 2 > 0)
    assert first.height > 0 and later.height >= first.height
    assert (first["sport"] == 53).all() and (later["sport"] == 0).all()
    assert set(later["ip_id"].to_list()) <= set(first["ip_id"].to_list())


def test_spoofed_sources_uniform_reflectors_stable_ttl(written) -> None:
    syn = written["tcp-state-floods"][2].filter(pl.col("label") == "syn_flood")
    slash8 = syn.select((pl.col("src") % (1 << 32) // (1 << 24)).cast(pl.Int64).alias("a"))[
        "a"
    ].to_numpy()
    observed = np.bincount(slash8, minlength=256)
    expected = len(slash8) / 256
    chi2 = ((observed - expected) ** 2 / expected).sum()
    assert chi2 < 256 + 5 * np.sqrt(2 * 256), chi2  # uniform within 5 sigma
    assert syn["ttl"].n_unique() <= 4  # the narrow TTL set of a few bots
    refl = written["tcp-state-floods"][2].filter(pl.col("label") == "synack_reflection")
    per_source = refl.group_by("src").agg(pl.col("ttl").n_unique().alias("ttls"))
    assert (per_source["ttls"] == 1).all() and refl["tcp_flags"].unique().to_list() == [0x12]


def test_carpet_bombing_spreads_over_the_prefix(written) -> None:
    attack = written["carpet-bombing"][2].filter(pl.col("label") != "legit")
    assert attack.filter(~pl.col("dst").ip.in_network("203.0.113.0/24")).is_empty()
    assert attack["dst"].n_unique() > 100


def test_capacity_never_exceeded_by_more_than_a_frame_and_drops_recorded(written) -> None:
    path, truth, frame, _ = written["saturation"]
    per_100ms = frame.group_by_dynamic("ts", every="100ms").agg(pl.col("wire_len").sum())
    assert (
        per_100ms["wire_len"].max() * 8 <= truth["capacity_bps"] * 0.1 + 1518 * 8
    )  # one frame in flight
    assert truth["drops"] > 0
    assert wb.load(path).meta.drops == truth["drops"]  # pcapng interface statistics carry them
    retrans = frame.filter((pl.col("label") == "legit") & (pl.col("proto") == 6))
    keys = ["src", "dst", "sport", "dport", "tcp_flags", "payload_len"]
    assert retrans.height > retrans.unique(keys).height  # dropped legit segments were sent again


def test_mitigation_starts_at_the_configured_time(written) -> None:
    _, truth, frame, _ = written["mailprovider-2015"]
    at = pl.Series([truth["mitigation_start"]]).str.to_datetime(time_zone="UTC")[0]
    attack = frame.filter(pl.col("label").is_in(["ssdp_amplification", "ip_fragment_flood"]))
    before = attack.filter(
        (pl.col("ts") < at) & (pl.col("ts") >= at - pl.duration(seconds=60))
    ).height
    after = attack.filter(
        (pl.col("ts") >= at) & (pl.col("ts") < at + pl.duration(seconds=60))
    ).height
    assert before > 0 and after < 0.1 * before


def test_truth_phases_cover_the_capture(written) -> None:
    _, truth, frame, _ = written["mailprovider-2015"]
    kinds = [p["kind"] for p in truth["phases"]]
    assert kinds == ["baseline", "attack", "baseline", "attack", "attack", "mitigated"]
    assert truth["phases"][3]["targets"] == ["203.0.113.0/24"]
    assert frame["phase"].max() == len(kinds) - 1


def test_deterministic_for_a_seed(tmp_path) -> None:
    a, b = tmp_path / "a.pcap", tmp_path / "b.pcap"
    synth.write("fragments", a, seed=9, scale=0.05)
    synth.write("fragments", b, seed=9, scale=0.05)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    assert json.loads(synth.truth_path(a).read_text())["packets"] == wb.load(a).packets.height
