"""Regenerate the bundled captures in sample_pcaps/ (deterministic: same seed, same bytes).

python scripts/make_samples.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from workbench import synth

OUT = Path(__file__).resolve().parents[1] / "sample_pcaps"
# (scenario, file name, scale, snaplen): headers and the start of each payload, kept small
SAMPLES = [
    ("mailprovider-2015", "mailprovider_2015.pcapng.gz", 0.75, 96),
    ("reflection-mix", "reflection_mix.pcap", 0.25, 160),
    ("tcp-state-floods", "tcp_state_floods.pcap", 0.25, 128),
    ("fragments", "fragments.pcap", 0.25, 128),
    ("application-layer", "application_layer.pcap", 0.5, 256),
    ("carpet-bombing", "carpet_bombing.pcap", 0.25, 128),
    ("saturation", "saturation.pcapng", 0.1, 96),
]
SEED = 2015


def main() -> int:
    OUT.mkdir(exist_ok=True)
    rows = []
    for scenario, name, scale, snaplen in SAMPLES:
        truth = synth.write(scenario, OUT / name, seed=SEED, scale=scale, snaplen=snaplen)
        size = (OUT / name).stat().st_size
        vectors = ", ".join(sorted({v["vector"] for v in truth["vectors"]}))
        targets = ", ".join(truth["targets"])
        rows.append(
            f"| `{name}` | `{scenario}` | {SEED} | {scale:g} | {snaplen} | {truth['packets']:,} | {size / 1e6:.1f} MB | {vectors} | {targets} |"
        )
        print(f"{name}: {truth['packets']:,} packets, {size / 1e6:.1f} MB", file=sys.stderr)
    table = "\n".join(rows)
    readme = OUT / "README.md"
    text = readme.read_text() if readme.exists() else ""
    start, end = "<!-- samples:start -->", "<!-- samples:end -->"
    block = (
        f"{start}\n| file | scenario | seed | scale | snaplen | packets | size | vectors | targets |\n"
        f"|---|---|---|---|---:|---:|---:|---|---|\n{table}\n{end}"
    )
    if start in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text += "\n" + block + "\n"
    readme.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
