"""The typed report: every evaluated capture's report JSON is valid against the shipped JSON
Schema, reads back with ``Report.from_json`` into an equal report that writes the same text,
and the entries keep their documented mapping view (``rep.phases[0]["kind"]``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import jsonschema
import pytest

import workbench as wb
from workbench import formatting as fmt
from workbench.analysis import model, report_json
from workbench.evaluation import SCENARIO_SCALE, SEEDS, default_captures

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted(p.name for p in (REPO / "sample_pcaps").glob("*.pcap*"))
SCHEMA_FILE = REPO / "workbench" / "analysis" / "report.schema.json"


def _real_captures() -> list[str]:
    listing = default_captures() / "expected.tsv"
    if not listing.is_file():
        return []
    return [line.split("\t")[0] for line in listing.read_text().splitlines()[1:] if line.strip()]


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _check(report: wb.Report) -> None:
    """Valid against the schema; read back equal, and written back the same, from text and file."""
    text = report.to_json()
    errors = sorted(_validator().iter_errors(json.loads(text)), key=lambda e: list(e.path))
    assert not errors, [f"{'/'.join(map(str, e.path))}: {e.message[:200]}" for e in errors[:5]]
    back = wb.Report.from_json(text)
    assert back == report
    assert back.to_json() == text
    assert back.packets is None and back.series is None  # the findings only


def test_the_shipped_schema_is_the_models() -> None:
    shipped = json.loads(SCHEMA_FILE.read_text())
    assert shipped == report_json.schema(model.Report), (
        "the model changed: rewrite workbench/analysis/report.schema.json from"
        " report_json.schema(model.Report)"
    )


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_report_is_valid_and_round_trips(name, monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(REPO)
    truth = json.loads((REPO / "sample_pcaps" / f"{name.split('.')[0]}.truth.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = wb.analyze(wb.load(f"sample_pcaps/{name}"), link_capacity=truth["capacity_bps"])
    _check(report)
    saved = report.to_json(tmp_path / "report.json")
    assert wb.Report.from_json(tmp_path / "report.json").to_json() == saved
    assert wb.Report.from_json(str(tmp_path / "report.json")) == report


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(wb.synth.SCENARIOS))
def test_scenario_report_is_valid_and_round_trips(scenario, tmp_path) -> None:
    path = tmp_path / f"{scenario}.pcap"
    wb.synth.write(scenario, path, seed=SEEDS[0], scale=SCENARIO_SCALE)
    _check(wb.analyze(wb.load(path, progress=False), progress=False))


@pytest.mark.slow
@pytest.mark.parametrize("name", _real_captures() or ["(no real captures)"])
def test_real_capture_report_is_valid_and_round_trips(name, shared_captures) -> None:
    path = shared_captures / name
    if not path.is_file():
        pytest.skip(f"{name} is not in {shared_captures}")
    _check(wb.analyze(wb.load(path, progress=False), progress=False))


@pytest.fixture(scope="module")
def report() -> wb.Report:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wb.analyze(wb.load(REPO / "sample_pcaps" / "mailprovider_2015.pcapng.gz"),
                          link_capacity="3M", pps_limit=5000)  # fmt: skip


def test_a_dataset_and_a_link_split_report_round_trip(tmp_path) -> None:
    frame = wb.load(REPO / "sample_pcaps" / "saturation.pcapng").packets
    _check(wb.analyze(frame.lazy(), window_packets=20_000, workdir=tmp_path, progress=False))
    _check(wb.analyze(wb.load(REPO / "sample_pcaps" / "saturation.pcapng"),
                      link_capacity=["vlan:10=20k", "vlan:0=100M"], pps_limit=5000))  # fmt: skip
    _check(wb.analyze(frame.head(0)))


def test_typed_fields_and_the_mapping_view(report) -> None:
    phase = report.phases[1]
    assert isinstance(phase.start, int) and phase["start"] == fmt.iso(phase.start)
    assert phase.kind is model.PhaseKind.ATTACK and phase["kind"] == "attack"
    assert isinstance(phase["kind"], str) and type(phase["kind"]) is str
    assert dict(phase) == report.to_dict()["phases"][1]
    assert phase.get("scrubbing") is None and "scrubbing" not in phase
    vector = report.vectors[0]
    assert isinstance(vector.evidence, model.Evidence) and vector["evidence"]["rule"]
    assert vector.start == fmt.to_ns(vector["start"])
    assert {t.label for t in report.targets} == {t.get("prefix") or t["address"] for t in report.targets}  # fmt: skip
    assert report.sources.spoofing.spoofed() and report.sources.spoofing.reflected()
    assert report.sources["spoofing"]["verdict"] == report.sources.spoofing.verdict
    assert report.saturation.peaks[0].at == fmt.to_ns(report.saturation["peaks"][0]["at"])
    assert report.parameters["analysis"] == wb.AnalysisConfig().to_dict()


def test_views_are_copies_and_the_report_is_frozen(report) -> None:
    import dataclasses

    before = report.to_json()
    report.phases[0]["vectors"].append("syn_flood")
    report.sources["countries"].clear()
    report.to_dict()["vectors"].clear()
    assert report.to_json() == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.phases[0].kind = model.PhaseKind.ATTACK  # type: ignore[misc]


def test_unknown_keys_are_kept_and_written_last(report) -> None:
    data = report.to_dict()
    data["phases"][0]["note_from_a_newer_workbench"] = {"x": 1}
    data["future"] = [1, 2]
    back = wb.Report.from_dict(data)
    assert back.phases[0]["note_from_a_newer_workbench"] == {"x": 1}
    assert back.to_dict() == data and list(back.to_dict())[-1] == "future"


def test_what_is_no_report_says_so(tmp_path) -> None:
    with pytest.raises(report_json.ReportFormatError, match="not a workbench report"):
        wb.Report.from_json('{"phases": []}')
    (tmp_path / "cut.json").write_text('{"phases": [')
    with pytest.raises(report_json.ReportFormatError, match=r"cut\.json is not JSON"):
        wb.Report.from_json(tmp_path / "cut.json")
    with pytest.raises(report_json.ReportFormatError, match="kind is 'storm'"):
        data = json.loads(wb.analyze(wb.load(REPO / "sample_pcaps" / "fragments.pcap")).to_json())
        data["phases"][0]["kind"] = "storm"
        wb.Report.from_dict(data)
    with pytest.raises(report_json.ReportFormatError, match="Phase entry of the report lacks"):
        wb.Report.from_dict({**data, "phases": [{"index": 0}]})
    with pytest.raises(ValueError):  # a ReportFormatError is a ValueError too
        wb.Report.from_json('{"vectors": [], "phases": [], "workbench_version": "x"}')
