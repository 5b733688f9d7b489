"""The world map and the country/ASN bars render offline (vl-convert, no network)."""

from __future__ import annotations

import vl_convert

from workbench.viz.geo import asn_bar_chart, country_bar_chart, source_map

COUNTRIES = [
    {"country": "CN", "packets": 10, "bytes": 1000, "unique_sources": 50, "role": "reflectors"},
    {"country": "US", "packets": 5, "bytes": 500, "unique_sources": 20, "role": "reflectors"},
    {
        "country": "spoofed",
        "packets": 99,
        "bytes": 9900,
        "unique_sources": 9000,
        "role": "forged addresses: no geography",
    },
]


def test_map_renders_offline_with_attribution_and_without_spoofed_sources(artifacts) -> None:
    chart = source_map(COUNTRIES, attribution="IP Geolocation by DB-IP")
    spec = chart.to_dict()
    name = spec["layer"][1]["transform"][1]["from"]["data"]["name"]
    looked_up = spec["datasets"][name]
    assert {row["iso2"] for row in looked_up} == {"CN", "US"}  # spoofed sources are not a country
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    assert (
        svg.count("<path") > 150 and "IP Geolocation by DB-IP" in svg
    )  # every country drawn, attribution shown
    (artifacts / "source_map.svg").write_text(svg)


def test_bars_render() -> None:
    svg = vl_convert.vegalite_to_svg(
        (
            country_bar_chart(COUNTRIES)
            | asn_bar_chart([{"asn": 4134, "as_org": "Chinanet", "bytes": 10}])
        ).to_json()
    )
    assert "spoofed" in svg and "AS4134" in svg
