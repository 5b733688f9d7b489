"""Geography and ASNs: embedded tables, the analyst's own .mmdb, bogons, and spoofing kept apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

import workbench as wb
from workbench.capture import addresses

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"


def _lookup(*texts: str, **kwargs) -> dict[str, dict]:
    frame = wb.enrich.geolocate(addresses.from_text(list(texts), "a"), **kwargs)
    return {
        r["text"]: r
        for r in frame.with_columns(text=pl.col("address").ip.to_text()).iter_rows(named=True)
    }


def test_known_addresses_from_the_embedded_tables() -> None:
    found = _lookup("8.8.8.8", "1.1.1.1", "185.70.40.1", "2001:4860:4860::8888")
    assert (found["8.8.8.8"]["country"], found["8.8.8.8"]["asn"]) == ("US", 15169)
    assert found["1.1.1.1"]["asn"] == 13335 and "Cloudflare" in found["1.1.1.1"]["as_org"]
    assert found["185.70.40.1"]["country"] == "CH"
    assert found["2001:4860:4860::8888"]["asn"] == 15169  # IPv6


def test_bogons_are_flagged_not_located() -> None:
    found = _lookup("10.1.2.3", "192.168.0.1", "203.0.113.9", "fe80::1", "240.0.0.1")
    assert all(r["bogon"] and r["country"] is None for r in found.values())
    assert (
        found["10.1.2.3"]["bogon_kind"] == "private"
        and found["fe80::1"]["bogon_kind"] == "link-local"
    )


def test_vectorised_lookup_matches_a_slow_reference() -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(1 << 24, 223 << 24, 300, dtype=np.int64)
    texts = [f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}" for v in values]
    fast = _lookup(*texts)
    table = pl.read_parquet(Path(wb.enrich.geo.DATA) / "country_v4.parquet")
    starts, ends, codes = (
        table["start"].to_numpy(),
        table["end"].to_numpy(),
        table["country"].cast(pl.String).to_list(),
    )
    for text, v in zip(texts, values, strict=True):
        k = int(np.searchsorted(starts, v, side="right")) - 1
        expected = codes[k] if k >= 0 and v <= ends[k] else None
        row = fast[text]
        if not row["bogon"]:
            assert row["country"] == expected, text


def test_analysts_mmdb_takes_precedence(tmp_path) -> None:
    mmdb_writer = pytest.importorskip("mmdb_writer")
    from netaddr import IPSet

    writer = mmdb_writer.MMDBWriter(
        ip_version=6, ipv4_compatible=True, database_type="GeoIP2-Country"
    )
    writer.insert_network(
        IPSet(["8.8.8.0/24"]),
        {"country": {"iso_code": "FR"}, "location": {"latitude": 48.85, "longitude": 2.35}},
    )
    path = tmp_path / "own.mmdb"
    writer.to_db_file(str(path))
    found = _lookup("8.8.8.8", "1.1.1.1", databases=[path])
    assert found["8.8.8.8"]["country"] == "FR" and found["8.8.8.8"]["latitude"] == pytest.approx(
        48.85
    )
    assert (
        found["1.1.1.1"]["asn"] == 13335
    )  # not in the analyst's database: embedded data still answers


def test_report_geography_keeps_spoofed_sources_apart() -> None:
    report = wb.analyze(wb.load(SAMPLE), link_capacity="3M")
    countries = {c["country"]: c for c in report.sources["countries"]}
    spoofed = countries.pop("spoofed")
    syn = next(p for p in report.sources["spoofing"]["per_vector"] if p["vector"] == "syn_flood")
    assert spoofed["unique_sources"] >= syn["unique_sources"] and "no geography" in spoofed["role"]
    assert "bogon" not in countries  # forged bogon sources are inside "spoofed", not a country
    assert len(countries) >= 5 and all(c["role"] == "reflectors" for c in countries.values())
    assert report.sources["asns"][0]["asn"] > 0
    assert "DB-IP" in report.sources["geography_note"]
    first = report.phases[1]
    assert first["top_countries"] and first["top_countries"][0]["country"] not in (
        "spoofed",
        "bogon",
    )


def test_attribution_names_source_licence_and_date() -> None:
    info = wb.enrich.attribution()
    assert (
        info["licence"] == "CC BY 4.0"
        and "db-ip.com" in info["url"]
        and info["data_date"][:4] >= "2024"
    )
