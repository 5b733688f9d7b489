"""Country and ASN of addresses, offline: embedded DB-IP Lite range tables, or the analyst's own .mmdb.

Lookups are vectorised: the unique addresses of a UInt128 column are split into their
64-bit halves and found in sorted range tables with ``numpy.searchsorted``. IPv6 is
resolved on its upper 64 bits (allocations are coarser than /64).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from workbench.capture import addresses
from workbench.enrich.bogons import bogon_kind

DATA = Path(__file__).resolve().parent / "data"
ENV_DATABASES = "WORKBENCH_GEOIP_DB"


def attribution() -> dict:
    """Origin, licence and date of the embedded data (show it wherever results appear)."""
    info = json.loads((DATA / "geo.json").read_text())
    return {
        **info,
        "text": f"{info['attribution']} ({info['url']}), {info['licence']}, data of {info['data_date']}",
    }


@lru_cache(maxsize=1)
def _tables() -> dict:
    out = {}
    for label in ("country", "asn"):
        for version in (4, 6):
            frame = pl.read_parquet(DATA / f"{label}_v{version}.parquet")
            values = (
                frame.select(pl.col("country").cast(pl.String))
                if label == "country"
                else frame.select("asn", "as_org")
            )
            out[(label, version)] = {
                "start": frame["start"].cast(pl.UInt64).to_numpy(),
                "end": frame["end"].cast(pl.UInt64).to_numpy(),
                "values": values,
            }
    return out


def _find(table: dict, keys: np.ndarray) -> np.ndarray:
    """Index of the range holding each key, or -1."""
    idx = np.searchsorted(table["start"], keys, side="right") - 1
    ok = (idx >= 0) & (keys <= table["end"][np.clip(idx, 0, None)])
    return np.where(ok, idx, -1)


def _embedded(hi: np.ndarray, lo: np.ndarray) -> pl.DataFrame:
    """country, asn, as_org for each (hi, lo) address, in order."""
    tables = _tables()
    is4 = (hi == 0) & ((lo >> np.uint64(32)) == np.uint64(0xFFFF))
    position = np.arange(len(hi))
    parts = []
    for version, mask, keys in ((4, is4, lo & np.uint64(0xFFFFFFFF)), (6, ~is4, hi)):
        if not mask.any():
            continue
        sub = keys[mask]
        found = {}
        for label in ("country", "asn"):
            idx = _find(tables[(label, version)], sub)
            picked = tables[(label, version)]["values"][np.clip(idx, 0, None)]
            hit = pl.Series("hit", idx >= 0)
            found[label] = picked.with_columns(
                [pl.when(hit).then(pl.col(c)).alias(c) for c in picked.columns]
            )
        parts.append(
            pl.concat(
                [pl.DataFrame({"_pos": position[mask]}), found["country"], found["asn"]],
                how="horizontal",
            )
        )
    empty = pl.DataFrame(
        schema={"_pos": pl.Int64, "country": pl.String, "asn": pl.UInt32, "as_org": pl.String}
    )
    out = pl.concat(parts) if parts else empty
    return out.sort("_pos").drop("_pos")


def _databases(databases) -> list[str]:
    if databases:
        return [str(d) for d in databases]
    env = os.environ.get(ENV_DATABASES, "")
    return [p for p in env.split(os.pathsep) if p]


def _from_mmdb(paths: list[str], texts: list[str], found: dict) -> dict:
    """The analyst's own databases take precedence where they answer (one lookup per unique address)."""
    import maxminddb

    for path in paths:
        with maxminddb.open_database(path) as reader:
            for k, text in enumerate(texts):
                record = reader.get(text)
                if not record:
                    continue
                country = (record.get("country") or record.get("registered_country") or {}).get(
                    "iso_code"
                ) or record.get("country_code")
                if isinstance(country, str):
                    found["country"][k] = country
                number = record.get("autonomous_system_number") or record.get("asn")
                if number:
                    found["asn"][k] = int(str(number).removeprefix("AS"))
                    found["as_org"][k] = (
                        record.get("autonomous_system_organization")
                        or record.get("as_name")
                        or record.get("name")
                    )
                location = record.get("location") or {}
                if "latitude" in location:
                    found.setdefault("latitude", [None] * len(texts))[k] = location["latitude"]
                    found.setdefault("longitude", [None] * len(texts))[k] = location["longitude"]
                    found.setdefault("city", [None] * len(texts))[k] = (
                        (record.get("city") or {}).get("names") or {}
                    ).get("en")
    return found


def geolocate(address_series: pl.Series, *, databases=None) -> pl.DataFrame:
    """Country, ASN and bogon kind for every distinct address of a UInt128 series.

    wb.enrich.geolocate(cap.packets["src"]).head()
    """
    unique = address_series.unique().drop_nulls().rename("address")
    hi, lo = addresses.halves(unique)
    frame = pl.concat([unique.to_frame(), _embedded(hi, lo)], how="horizontal")
    paths = _databases(databases)
    if paths:
        found = {
            "country": frame["country"].to_list(),
            "asn": frame["asn"].to_list(),
            "as_org": frame["as_org"].to_list(),
        }
        found = _from_mmdb(paths, addresses.series_to_text(unique).to_list(), found)
        frame = frame.with_columns(
            country=pl.Series(found["country"], dtype=pl.String),
            asn=pl.Series(found["asn"], dtype=pl.UInt32),
            as_org=pl.Series(found["as_org"], dtype=pl.String),
        )
        for extra in ("latitude", "longitude", "city"):
            if extra in found:
                frame = frame.with_columns(pl.Series(extra, found[extra]))
    kind = bogon_kind("address")
    return frame.with_columns(
        bogon_kind=kind,
        bogon=kind.is_not_null(),
        asn=pl.when(pl.col("asn") > 0).then(pl.col("asn")),
        country=pl.when(kind.is_null()).then(pl.col("country")),
    )
