"""The scan cache and datasets under stress: two processes at once, a full disk, a kill.
Whatever happens, an entry is complete or absent and the error says what to do."""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

import workbench as wb
from workbench.capture.ingest import ingest

SAMPLES = Path(__file__).resolve().parents[2] / "sample_pcaps"
SAMPLE = SAMPLES / "mailprovider_2015.pcapng.gz"  # 179,000 packets, compressed

SCAN = """
import sys, warnings, workbench as wb
warnings.simplefilter("always")
frame = wb.scan(sys.argv[1], cache_dir=sys.argv[2], progress=False).collect()
print(frame.height, frame["ts"].dt.epoch("ns").sum(), flush=True)
"""

LIMITED = """
import resource, signal, sys
import workbench as wb
from workbench.capture.ingest import ingest
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails as on a full disk
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[3]), resource.RLIM_INFINITY))
try:
    {call}
except wb.WorkbenchError as error:
    print(type(error).__name__, error, flush=True)
    sys.exit(2)
"""


def _python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _entries(cache: Path) -> tuple[list[str], list[str]]:
    names = sorted(p.name for p in cache.iterdir())
    return [n for n in names if len(n) == 64], [n for n in names if n.endswith(".partial")]


def test_two_processes_scanning_one_capture_into_one_cache(tmp_path) -> None:
    cache = tmp_path / "cache"
    runs = [_python(SCAN, SAMPLE, cache) for _ in range(2)]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    expected = wb.load(SAMPLE).packets
    answers = {out.strip() for out, _ in outputs}
    assert answers == {f"{expected.height} {expected['ts'].dt.epoch('ns').sum()}"}
    entries, partials = _entries(cache)
    assert len(entries) == 1 and partials == []
    assert json.loads((cache / entries[0] / "capture.json").read_text())["packets"] == 179_350


def test_a_second_process_waits_for_the_writer_and_says_so(tmp_path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    capture = SAMPLES / "reflection_mix.pcap"
    digest = wb.load(capture).meta.files[0].sha256
    with open(cache / f".{digest}.lock", "a+b") as held:  # a writer at work on this entry
        fcntl.flock(held, fcntl.LOCK_EX)
        waiting = _python(SCAN, capture, cache)
        time.sleep(3)
        assert waiting.poll() is None  # it waits instead of writing beside the holder
        assert _entries(cache) == ([], [])
        fcntl.flock(held, fcntl.LOCK_UN)
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert "another process is writing its cache entry" in err and str(capture) in err
    assert int(out.split()[0]) == wb.load(capture).packets.height


def test_a_full_disk_during_scan_is_a_clear_error_and_leaves_no_entry(tmp_path) -> None:
    cache = tmp_path / "cache"
    call = "wb.scan(sys.argv[1], cache_dir=sys.argv[2], progress=False)"
    run = _python(LIMITED.format(call=call), SAMPLE, cache, 400_000)
    out, err = run.communicate(timeout=600)
    assert run.returncode == 2, err
    assert out.startswith("OutOfSpaceError") and "out of space" in out and str(SAMPLE) in out
    assert "Traceback" not in err
    assert _entries(cache) == ([], [])
    # with room again the same cache folder works and gives every packet
    assert wb.scan(SAMPLE, cache_dir=cache, progress=False).collect().height == 179_350


def test_a_full_disk_during_ingest_keeps_the_dataset_whole(tmp_path) -> None:
    dataset = tmp_path / "dataset"
    ingest(SAMPLES / "reflection_mix.pcap", dataset, progress=False)
    call = "from workbench.capture.ingest import ingest; ingest(sys.argv[1], sys.argv[2], progress=False)"
    run = _python(LIMITED.format(call=call), SAMPLE, dataset, 400_000)
    out, err = run.communicate(timeout=600)
    assert run.returncode == 2 and out.startswith("OutOfSpaceError"), err
    entries, partials = _entries(dataset)
    assert len(entries) == 1 and partials == []  # the earlier capture, complete; no partial
    lazy, _meta = wb.capture.open_dataset(dataset)
    assert lazy.collect().height == wb.load(SAMPLES / "reflection_mix.pcap").packets.height


def test_a_full_disk_during_export_keeps_the_previous_file(tmp_path) -> None:
    out_file = tmp_path / "packets.parquet"
    pl.DataFrame({"previous": [1]}).write_parquet(out_file)
    before = out_file.read_bytes()
    call = (
        "import polars as pl, numpy as np; "
        "wb.export.parquet(pl.DataFrame({'a': np.random.rand(2_000_000)}), sys.argv[1])"
    )
    run = _python(LIMITED.format(call=call), out_file, "-", 1_000_000)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 2 and out.startswith("OutOfSpaceError"), err
    assert str(out_file) in out
    assert out_file.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["packets.parquet"]
