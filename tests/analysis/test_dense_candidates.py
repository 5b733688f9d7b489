"""A capture that is mostly attack keeps every packet as a candidate row, the others'
``candidate`` null, where its candidates were copied out (``matching.DENSE_SHARE``): the copy
was most of the frame again. Every test reads the candidates alone, so the two ways must label
every packet alike and write the same report. Each capture below is analysed both ways, forced:
attack captures (copied out by default they would never be), benign ones with a few candidates
(never kept whole by default), and captures whose tests read the rows a whole frame adds (LAN
peers of a silent host, fragments, searches to a group, handshakes, HTTP sessions)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import polars as pl
import pytest

import workbench as wb
from workbench import synth
from workbench.analysis.config import DEFAULT
from workbench.analysis.vectors import matching
from workbench.analysis.vectors.context import candidates

SCENARIOS = [
    "mailprovider-2015",  # attack most of the time: whole by default
    "fragments",
    "application-layer",
    "lan-flood-on-silent-host",
    "ssdp-reflection-on-searching-host",
    "slow-https",
    "established-sessions",  # benign: a few candidates, copied by default
    "one-way-video-viewers",
]
WHOLE, COPIED = 0.0, 2.0  # ``DENSE_SHARE`` forcing each way (a share is at most 1)


def _report(frame: pl.DataFrame) -> tuple[dict, pl.Series]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        labelled = wb.analysis.classify(frame)
        report = json.loads(wb.analyze(frame, progress=False).to_json())
    report.pop("generated", None)
    return report, labelled["vector"]


@pytest.fixture(scope="module", params=SCENARIOS)
def frame(request, tmp_path_factory) -> pl.DataFrame:
    path = tmp_path_factory.mktemp("dense") / f"{request.param}.pcap"
    synth.write(request.param, path, seed=3, scale=0.05)
    return wb.load(path, progress=False).packets


def test_whole_or_copied_the_labels_and_report_are_the_same(frame, monkeypatch) -> None:
    monkeypatch.setattr(matching, "DENSE_SHARE", WHOLE)
    whole_report, whole_labels = _report(frame)
    monkeypatch.setattr(matching, "DENSE_SHARE", COPIED)
    copied_report, copied_labels = _report(frame)
    assert whole_labels.equals(copied_labels)
    assert whole_report == copied_report


def test_the_frame_is_kept_whole_only_when_mostly_candidates(frame) -> None:
    cand = candidates(frame, DEFAULT)
    share = cand["candidate"].is_not_null().sum() / frame.height
    assert (cand.height == frame.height) == (share >= matching.DENSE_SHARE)
    if cand.height == frame.height:  # every packet in its own place, its candidate or none
        assert np.array_equal(cand["_row"].to_numpy(), np.arange(frame.height))
        assert cand["candidate"].null_count() == frame.height - cand["candidate"].count()


def test_an_attack_capture_is_kept_whole_and_a_benign_one_copied(tmp_path) -> None:
    kept = {}
    for name in ("mailprovider-2015", "established-sessions"):
        path = tmp_path / f"{name}.pcap"
        synth.write(name, path, seed=3, scale=0.05)
        packets = wb.load(path, progress=False).packets
        kept[name] = candidates(packets, DEFAULT).height == packets.height
    assert kept == {"mailprovider-2015": True, "established-sessions": False}
