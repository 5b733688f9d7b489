"""An existing Dask cluster, joined by its scheduler address (``--scheduler``), ingests and analyses
a folder of captures as one process does; a local one leaves no scratch folder behind."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from workbench.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "sample_pcaps"
FILES = ["tcp_state_floods.pcap", "fragments.pcap"]


@pytest.fixture(scope="module")
def scheduler():
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def test_ingest_and_analyse_on_a_scheduler_address(tmp_path, scheduler, capsys) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for name in FILES:
        shutil.copy(SAMPLES / name, evidence / name)
    reports = {}
    for where, dask in (("here", []), ("there", ["--scheduler", scheduler])):
        dataset = tmp_path / f"dataset-{where}"
        assert main(["ingest", str(evidence), "-o", str(dataset), *dask]) == 0
        out = tmp_path / f"{where}.json"
        code = main(["analyze", str(dataset), "--link", "10M", "--window-packets", "8000",
                     "--workdir", str(tmp_path / f"work-{where}"), "--json", str(out), *dask])  # fmt: skip
        assert code == 0
        reports[where] = json.loads(out.read_text())
    printed = capsys.readouterr()
    assert scheduler in printed.err  # the cluster used is said, beside the progress
    here, there = reports["here"], reports["there"]
    assert there["parameters"]["dask"] == {"scheduler": scheduler}
    assert here["parameters"]["analysis_windows"] == there["parameters"]["analysis_windows"] > 3
    for data in (here, there):
        data.pop("generated")
        data["parameters"].pop("dask")
    assert here == there
    hashes = {p.name for p in (tmp_path / "dataset-here").iterdir() if p.is_dir()}
    assert hashes == {p.name for p in (tmp_path / "dataset-there").iterdir() if p.is_dir()}


def test_a_local_cluster_removes_its_scratch_folder(tmp_path, monkeypatch) -> None:
    from workbench.capture import cluster

    scratch = tmp_path / "wb-dask-scratch"
    made = []
    mkdtemp = cluster.tempfile.mkdtemp  # Dask makes folders of its own with it too

    def ours(*args, **kwargs) -> str:
        if kwargs.get("prefix") != "wb-dask-":
            return mkdtemp(*args, **kwargs)
        scratch.mkdir()
        made.append(str(scratch))
        return str(scratch)

    monkeypatch.setattr(cluster.tempfile, "mkdtemp", ours)
    with cluster.dask_cluster(workers=1) as running:
        assert running.client.submit(sum, [1, 2]).result() == 3
        assert any(scratch.iterdir())  # the workers' scratch space while they run
    assert made == [str(scratch)]
    assert not scratch.exists()
