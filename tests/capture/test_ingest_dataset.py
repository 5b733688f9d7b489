"""Ingesting folders into a Parquet dataset: Dask workers give the same result, and an interrupted
ingest resumes without duplicates."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import workbench as wb
from workbench.capture.ingest import ingest

SAMPLES = Path(__file__).resolve().parents[2] / "sample_pcaps"
FILES = ["tcp_state_floods.pcap", "fragments.pcap", "saturation.pcapng"]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    for name in FILES:
        shutil.copy(SAMPLES / name, folder / name)
    return folder


def test_local_cluster_of_two_workers_equals_one_process(tmp_path) -> None:
    folder = _folder(tmp_path)
    serial = ingest(folder, tmp_path / "serial", progress=False).collect()
    parallel = ingest(folder, tmp_path / "dask", workers=2, progress=False).collect()
    expected = sum(wb.load(folder / name).packets.height for name in FILES)
    assert serial.height == parallel.height == expected
    assert serial.sort(serial.columns).equals(parallel.sort(parallel.columns))
    assert serial.schema == wb.capture.PACKET_SCHEMA
    hours = {p.name for p in (tmp_path / "dask").glob("*/hour=*")}
    assert hours and all(h.startswith("hour=20") for h in hours)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        FILES
    )  # nothing written beside the evidence


def test_killed_ingest_resumes_complete_without_duplicates(tmp_path) -> None:
    capture = SAMPLES / "mailprovider_2015.pcapng.gz"
    dataset = tmp_path / "dataset"
    env = {**os.environ, "WORKBENCH_CHUNK_RECORDS": "1500"}
    command = [sys.executable, "-m", "workbench.cli", "ingest", str(capture), "-o", str(dataset)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(dataset.glob(".*.partial/hour=*/*.parquet"))) < 10:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list(dataset.glob(".*.partial")), "the ingest was killed before it finished"
    assert not [
        d for d in dataset.iterdir() if not d.name.startswith(".")
    ]  # nothing looks complete
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    frame = wb.scan(capture, cache_dir=dataset).collect()
    expected = wb.load(capture).packets
    assert frame.height == expected.height
    assert frame.equals(expected)  # complete, in order, nothing twice
    assert not list(dataset.glob(".*.partial"))
