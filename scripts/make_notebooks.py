"""Write the notebooks in notebooks/ (output-free) from the cells below.

python scripts/make_notebooks.py            # every notebook
python scripts/make_notebooks.py app        # only those named (cell ids are new on each write)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = Path(__file__).resolve().parents[1] / "notebooks"
SETUP = """import os
from pathlib import Path

import altair as alt
import polars as pl

import workbench as wb

# paths come from the environment so tests (and you) can point the notebook elsewhere
SAMPLE = Path(os.environ.get("WORKBENCH_SAMPLE", "../sample_pcaps/mailprovider_2015.pcapng.gz"))
LINK = os.environ.get("WORKBENCH_LINK", "3M")  # the sample's capture-point link (a scaled model)
alt.renderers.enable("jupyter", offline=True)  # charts render without a CDN
alt.JupyterChart.enable_offline()"""

NOTEBOOKS = {
    "01_quick_start": [
        "# Quick start\nLoad a capture, let the workbench tell the story, then explore it with the dashboard.",
        SETUP,
        "cap = wb.load(SAMPLE)\ncap",
        "## The packet frame\nOne row per packet; addresses are 128-bit integers (IPv4 stored IPv4-mapped). "
        "Render them as text only on small results with the `ip` namespace.",
        'cap.packets.head(5).with_columns(pl.col("src").ip.to_text(), pl.col("dst").ip.to_text())',
        "## The analysis\nPhases, vectors, targets, sources and link saturation in one call.",
        "rep = wb.analyze(cap, link_capacity=LINK)\nrep",
        "wb.viz.timeline_chart(rep.series, rep.phases)",
        "## The dashboard\nBrush the overview, pick a phase, a vector or a target: every view follows.",
        "wb.Dashboard(cap, rep)",
    ],
    "02_attack_phases": [
        "# Attack phases\nHow the workbench cuts a capture into phases, and how to tune it.",
        SETUP,
        "cap = wb.load(SAMPLE)\nframe = wb.analysis.classify(cap.packets)\nframe.group_by('vector').len().sort('len', descending=True)",
        "## Per-vector activity\nEach packet first gets a vector from the vector table; per second, each vector's rate is "
        "graded against its own peak (heavy, residual, absent). A phase is a run of seconds with the same grades.",
        "per_second = wb.analysis.rate_series(frame.with_columns(pl.col('vector').fill_null('legit')), 1000, by='vector')\n"
        "alt.Chart(per_second).mark_line().encode(x='ts:T', y='pps:Q', color=alt.Color('vector:N', scale=wb.viz.palette.vector_scale(per_second['vector'].unique().sort().to_list()))).properties(width=700, height=220)",
        "## Every threshold in one config\nThe vector tests, the rate judgement and the phases read one frozen "
        "`AnalysisConfig`; each field's comment in `workbench/analysis/config.py` says what traffic justifies it, "
        "and the report records it whole under `parameters.analysis`.",
        "cfg = wb.AnalysisConfig()\nrep = wb.analyze(cap, config=cfg)\n"
        "pl.DataFrame([{k: p[k] for k in ('index', 'kind', 'start', 'end', 'vectors', 'targets')} for p in rep.phases])",
        "{k: v for k, v in rep.parameters['analysis'].items() if k.startswith(('heavy', 'min_phase', 'rate_'))}",
        "## Tuning\nA higher `heavy_share_of_peak` makes weaker waves count as residue (mitigated); a larger "
        "`min_phase_bins` merges short bursts into their neighbours.",
        "tuned = wb.analyze(cap, config=cfg.replace(min_phase_bins=30))\nprint([p['kind'] for p in rep.phases])\n"
        "print([p['kind'] for p in tuned.phases])",
    ],
    "03_source_geography_and_spoofing": [
        "# Sources and spoofing\nWho sent the attack? For reflection, the reflectors (abused servers); for direct floods, "
        "the senders, unless they forged their addresses. The evidence decides which.",
        SETUP,
        "rep = wb.analyze(wb.load(SAMPLE), link_capacity=LINK)\nrep.sources['spoofing']['verdict']",
        "pl.DataFrame(rep.sources['spoofing']['per_vector']).select('vector', 'verdict', 'unique_sources', 'seen_once_share', "
        "'distinct_ttls', 'bogon_source_share', 'slash8_coverage')",
        "## TTLs tell machines apart\nSpoofed floods come from a few machines: thousands of addresses, a handful of TTLs. "
        "Reflectors keep one TTL each.",
        "attack = rep.packets.filter(pl.col('vector').is_in(['syn_flood', 'dns_amplification']))\n"
        "ttl = attack.group_by('vector', 'ttl').len()\n"
        "alt.Chart(ttl).mark_bar().encode(x='ttl:Q', y='len:Q', color=alt.Color('vector:N', scale=wb.viz.palette.vector_scale(ttl['vector'].unique().sort().to_list()))).properties(width=600, height=200)",
        "## Where the sources sit\nCountries and ASNs come from the embedded DB-IP Lite tables (or your own `.mmdb`, "
        "`--geoip-db`). Spoofed sources are counted apart (their addresses are forged), reflectors are labelled as "
        "abused servers. The /8 spread shows how widely the reflectors are scattered.",
        "pl.DataFrame(rep.sources['countries'][:10])",
        "refl = rep.packets.filter(pl.col('vector') == 'dns_amplification')\n"
        "refl.select((pl.col('src') % (1 << 32) // (1 << 24)).cast(pl.Int64).alias('slash8')).group_by('slash8').len().sort('len', descending=True).head(10)",
        "pl.DataFrame(rep.sources['top'][:10])",
    ],
    "04_link_saturation": [
        "# Link saturation\nWhen was the link full, for how long, and what did it cost legitimate traffic?",
        SETUP,
        "cap = wb.load(SAMPLE)\nrep = wb.analyze(cap, link_capacity=LINK)\nsat = rep.saturation\n"
        "{k: sat[k] for k in ('capacity_bps', 'peak_utilization', 'seconds_over')}",
        "## Every time scale\nMicro-bursts fill a link for milliseconds and vanish in 1-second averages.",
        "wb.viz.multiscale_chart(sat['peaks'])",
        "from workbench.analysis.saturation import utilization_series\n"
        "util = utilization_series(rep.packets, sat['capacity_bps'], 1000)\nwb.viz.utilization_chart(util, sat['capacity_bps'])",
        "pl.DataFrame(sat['intervals'])",
        "## Legitimate traffic\nIts share of the link before, during and after the saturation, and repeated segments "
        "(retransmissions) as a sign of loss. Capture drops come from the pcapng interface statistics.",
        "sat['legitimate'], sat['tcp_loss_signs'], sat['drops']['capture_drops']",
        "## Per link\nWhich upstream router brought the flood in? Map each link by its router's MAC (or a pcapng "
        "interface name, `eth0=10G`, or a VLAN, `vlan:10=1G`). Links are full duplex: a router link is measured in "
        "each direction against its capacity. The sample's capture point has two upstream routers sharing the "
        "3 Mbit/s, 1.5 Mbit/s each.",
        "UPLINKS = os.environ.get('WORKBENCH_UPLINKS', 'mac:00:1b:21:aa:00:01=1.5M,mac:00:1b:21:aa:00:02=1.5M').split(',')\n"
        "per_link = wb.analyze(cap, link_capacity=UPLINKS).saturation['links']\n"
        "pl.DataFrame(per_link).select('link', 'busiest_direction', 'peak_utilization', 'packets')",
        "from workbench.analysis.capacity import parse_links\n"
        "from workbench.analysis.saturation import links_series\n"
        "wb.viz.link_strip(links_series(rep.packets, parse_links(UPLINKS), 1000))",
    ],
    "05_exporting_timeline_and_report": [
        "# Exporting\nThe timeline for Timesketch or a spreadsheet, the offline HTML report, the fingerprint, STIX and Parquet. "
        "Every file carries the input hashes, the version and the parameters.",
        SETUP,
        "out = Path(os.environ.get('WORKBENCH_OUT', 'out'))\nout.mkdir(exist_ok=True)\n"
        "cap = wb.load(SAMPLE)\nrep = wb.analyze(cap, link_capacity=LINK)",
        "wb.export.timeline(rep, out / 'timeline.jsonl')\nwb.export.timeline(rep, out / 'timeline.csv')\n"
        "wb.export.events(rep).select('datetime', 'timestamp_desc', 'message').head(12)",
        "wb.export.html(rep, out / 'report.html')\nwb.export.fingerprint(rep, out / 'fingerprint.json')\n"
        "wb.export.stix(rep, out / 'stix.json')\nwb.export.parquet(cap, out / 'packets.parquet')\nsorted(p.name for p in out.iterdir())",
        "wb.export.evidence_block(rep)['inputs']",
    ],
    "06_case_study_mailprovider_2015": [
        "# Case study: the 2015 attack on an encrypted-mail provider\n"
        "In November 2015 an encrypted-mail provider in Switzerland was hit first on its mail servers, then on its "
        "datacenter and the upstream ISP links it shared with other customers, until scrubbing was put in front. "
        "The sample capture models that account (time-compressed and rate-scaled, with known ground truth). "
        "We reconstruct it step by step, the way an analyst would.",
        SETUP,
        "cap = wb.load(SAMPLE)\nprint(cap)\nprint('SHA-256:', next(iter(cap.meta.to_dict()['sha256'].values())))",
        "## 1. What does the traffic look like?\nFirst the raw volume, before any interpretation.",
        "rates = wb.analysis.rate_series(cap.packets, 1000)\n"
        "alt.Chart(rates).mark_area().encode(x='ts:T', y=alt.Y('bps:Q', axis=alt.Axis(format='~s'))).properties(width=700, height=160)",
        "Three surges separated by quiet spells, then a low tail: at least three attack episodes, and something "
        "changed at the end. Next: what each surge is made of.",
        "rep = wb.analyze(cap, link_capacity=LINK)\nwb.viz.timeline_chart(rep.series, rep.phases)",
        "## 2. The phases\nEach phase is a stretch where the mix of vectors stays the same.",
        "pl.DataFrame([{k: p[k] for k in ('index', 'kind', 'start', 'end', 'vectors', 'targets', 'peak_bps')} for p in rep.phases])",
        "**Reading it:** the first wave is DNS and NTP *amplification* on two mail servers; after a pause, SYN and UDP "
        "floods spread over the whole datacenter /24 (carpet bombing, so no single host stands out); then SSDP "
        "amplification plus an IP-fragment flood on the upstream routers; then the same vectors at a small fraction "
        "of their rate: scrubbing has been switched on.",
        "## 3. Why these vectors? The evidence\nEvery vector carries the figures that made the call.",
        "pl.DataFrame([{'vector': v['vector'], **v['evidence']} for v in rep.vectors])",
        "## 4. Who sent it? Spoofing\nThe amplification answers come from real servers (stable TTL each); the floods come "
        "from random addresses with four TTLs: a few machines forging sources. Their geography means nothing.",
        "pl.DataFrame(rep.sources['spoofing']['per_vector']).select('vector', 'verdict', 'evidence')",
        "## 5. What did it do to the link?",
        "sat = rep.saturation\nprint(f\"peak {sat['peak_utilization']:.0%} of {sat['capacity_bps'] / 1e6:.0f} Mbit/s; \""
        " f\"{len(sat['intervals'])} intervals at >= 95%; capture dropped {sat['drops']['capture_drops']:,} packets\")\n"
        "sat['legitimate']",
        "The first wave filled the link: legitimate traffic fell to a few percent of what got through, and the "
        "capture interface itself dropped packets. A capture of a saturated link under-counts the attack.",
        "## 6. The timeline to share",
        "wb.export.events(rep).select('datetime', 'message').head(20)",
        "## 7. Explore\nThe dashboard holds all of this; brush the overview to zoom into a wave.",
        "wb.Dashboard(cap, rep)",
    ],
    "07_bring_your_own_capture": [
        "# Bring your own capture\nPoint `WORKBENCH_CAPTURE` at a pcap/pcapng file (gzip/zstd too) or a folder of them, "
        "and `WORKBENCH_LINK` at your link capacity. Defaults to the bundled sample.",
        SETUP,
        "target = Path(os.environ.get('WORKBENCH_CAPTURE', str(SAMPLE)))\n"
        "files = sorted(p for p in target.iterdir() if '.pcap' in p.name) if target.is_dir() else [target]\nfiles",
        "cap = wb.load(files)\ncap.meta.to_dict()['warnings'] or 'no warnings'",
        "rep = wb.analyze(cap, link_capacity=LINK)\nrep",
        "For captures larger than memory use `wb.scan(files)`: it parses chunk by chunk into a Parquet cache and returns a LazyFrame.",
        "lazy = wb.scan(files)\nlazy.group_by('proto').agg(pl.len(), pl.col('wire_len').sum()).collect()",
    ],
}

# The Voilà app (notebooks/app.ipynb): the dashboard only. Voilà hides the code; the cells print
# nothing (no frame dumps, no advice). The first cell shows our loading state at once (Voilà
# renders cells as they run: progressive_rendering in the repository's voila.json); the second
# says each step as it goes (comm messages reach the page while the cell runs) and puts the
# dashboard in the loading state's place, or says in it what went wrong.
APP = [
    "import html\nimport os\nfrom pathlib import Path\n\nimport ipywidgets as widgets\nfrom IPython.display import display\n\n"
    'SAMPLE = Path(os.environ.get("WORKBENCH_SAMPLE", "../sample_pcaps/mailprovider_2015.pcapng.gz"))\n'
    'LINK = os.environ.get("WORKBENCH_LINK", "3M")\n'
    "name = html.escape(SAMPLE.name)  # a file name is text from outside: escaped\n\n"
    'status = widgets.HTML(f"Loading the capture <b>{name}</b> …")\n'
    'progress = widgets.IntProgress(value=1, max=4, bar_style="info", layout=widgets.Layout(width="420px"))\n'
    "loading = widgets.VBox([widgets.HTML(\"<h3 style='margin:0'>DDoS workbench</h3>\"), status, progress],\n"
    '                       layout=widgets.Layout(padding="24px"))\n'
    'loading.add_class("wb-loading")\n'
    "app = widgets.VBox([loading])\n"
    "display(app)",
    "try:\n"
    "    import altair as alt\n\n    import workbench as wb\n    from workbench import formatting as fmt\n\n"
    "    alt.JupyterChart.enable_offline()  # charts render without a CDN\n"
    "    capture = wb.load(SAMPLE, progress=False)\n"
    '    status.value = f"Analysing {fmt.count(capture.packets.height)} packets of <b>{name}</b> …"\n'
    "    progress.value = 2\n"
    "    report = wb.analyze(capture, link_capacity=LINK)\n"
    '    status.value = "Drawing the dashboard …"\n'
    "    progress.value = 3\n"
    "    app.children = [wb.Dashboard(capture, report)]\n"
    "except Exception as error:  # said in the page, where the analyst looks\n"
    "    status.value = f\"<span style='color:#b00020'>The dashboard could not open: {html.escape(str(error))}</span>\"\n"
    '    progress.bar_style = "danger"\n'
    "    raise",
]


def main(names: list[str] | None = None) -> None:
    OUT.mkdir(exist_ok=True)
    unknown = set(names or ()) - {*NOTEBOOKS, "app"}
    if unknown:
        raise SystemExit(
            f"no notebook named {', '.join(sorted(unknown))}: {', '.join([*NOTEBOOKS, 'app'])}"
        )
    for name, cells in NOTEBOOKS.items():
        if names and name not in names:
            continue
        nb = new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nb.cells = [new_markdown_cell(c) if not _is_code(c) else new_code_cell(c) for c in cells]
        nbformat.write(nb, OUT / f"{name}.ipynb")
    if names and "app" not in names:
        return
    app = new_notebook()
    app.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    app.cells = [new_code_cell(c) for c in APP]
    nbformat.write(app, OUT / "app.ipynb")


def _is_code(text: str) -> bool:
    """Markdown cells start with a heading or a sentence; everything else is code."""
    return not text.startswith(("#", "**", "Three", "The ", "For "))


if __name__ == "__main__":
    main(sys.argv[1:])
