"""Run a snippet in a fresh Python process and report its wall time and peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

RUNNER = """
import json, resource, sys, time
def _hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
_t0 = time.perf_counter()
{body}
_dt = time.perf_counter() - _t0
print("@@RESULT@@" + json.dumps({{"seconds": _dt, "packets": int(packets),
      "peak_rss_mb": _hwm()}}))
"""


def measure(body: str, env: dict | None = None, setup: str = "") -> dict:
    """Time ``body`` (which must set ``packets``) in a subprocess; ``setup`` runs before the clock starts."""
    code = textwrap.dedent(setup) + "\n" + RUNNER.format(body=textwrap.dedent(body))
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    for line in done.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@") :])
    raise RuntimeError(done.stderr[-2000:])
