"""sample_pcaps/README.md says what each bundled capture holds: every figure it gives must be
the truth file's (and the capture's own)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import workbench as wb

SAMPLES = Path(__file__).resolve().parents[2] / "sample_pcaps"


def _rows() -> list[dict]:
    text = (SAMPLES / "README.md").read_text()
    block = text[text.index("<!-- samples:start -->") : text.index("<!-- samples:end -->")]
    lines = [line for line in block.splitlines() if line.startswith("| `")]
    keys = ["file", "scenario", "seed", "scale", "snaplen", "packets", "size", "vectors", "targets"]
    return [dict(zip(keys, [c.strip(" `") for c in line.strip("|").split("|")], strict=True)) for line in lines]  # fmt: skip


def test_every_row_of_the_table_is_the_truth() -> None:
    rows = _rows()
    assert {r["file"] for r in rows} == {p.name for p in SAMPLES.glob("*.pcap*")}
    for row in rows:
        path = SAMPLES / row["file"]
        truth = json.loads(
            (SAMPLES / row["file"].split(".")[0]).with_suffix(".truth.json").read_text()
        )
        assert row["scenario"] == truth["scenario"] and int(row["seed"]) == truth["seed"]
        assert float(row["scale"]) == truth["scale"] and int(row["snaplen"]) == truth["snaplen"]
        assert int(row["packets"].replace(",", "")) == truth["packets"]
        assert row["vectors"].split(", ") == sorted({v["vector"] for v in truth["vectors"]})
        assert row["targets"].split(", ") == truth["targets"]
        assert abs(float(row["size"].split()[0]) - path.stat().st_size / 1e6) < 0.05
        capture = wb.load(path, progress=False)
        assert capture.packets.height == truth["packets"]
        assert capture.packets["cap_len"].max() <= truth["snaplen"]


def test_the_prose_about_the_mailprovider_sample_is_the_truth() -> None:
    text = (SAMPLES / "README.md").read_text()
    truth = json.loads((SAMPLES / "mailprovider_2015.truth.json").read_text())
    link = re.search(r"a\s+(\d+(?:\.\d+)?) Mbit/s capture-point link", text)
    snaplen = re.search(r"(\d+)-byte snaplen", text)
    assert link and float(link.group(1)) * 1e6 == truth["capacity_bps"]
    assert snaplen and int(snaplen.group(1)) == truth["snaplen"]
