"""Attack vectors, table-driven (``vector_table.VECTORS``): each packet gets a candidate vector
from its headers, then a candidate is confirmed per target by what a real attack of that kind
looks like (unsolicited answers from many reflectors, handshakes that never complete, segments
on connections that never opened, UDP the target never answers, rates far above the target's
own baseline or above any benign rate, connections held open with a trickle of bytes).

Every threshold comes from one ``AnalysisConfig`` (``config.py``). A flood from one source is
an attack like any other: the crowd of sources is evidence for "distributed", not a condition.
Rates are judged in bins whose width fits the capture (1 ms for a snippet, 1 s for hours).

The steps, one module each, in the order a packet meets them:

    matching     the table row a packet's headers match: its candidate vector (``rule_kernel``:
                 the table compiled to arrays, matched in one Numba pass over the packets)
    fragments    a non-first fragment judged as its datagram (ports from the first fragment)
    context      what the capture says of each candidate (asked for, handshake done, open)
    evidence     per target and vector, the figures the tests need, gathered window by window
    verdicts     the (target, vector) pairs that pass their test, judged on the whole capture
    rates        the bins where a rate-judged pair is hot
    http_floods  HTTP floods judged per client; slow_http: slow connections
    labels       each packet's ``vector`` from its candidate, context and the verdicts
                 (``pair_kernel``: the verdicts naming each candidate's pair, looked up in
                 one Numba pass)
"""

from workbench.analysis.vector_table import RULES, VECTORS, VectorRule
from workbench.analysis.vectors.context import candidates, span_ns
from workbench.analysis.vectors.evidence import Evidence
from workbench.analysis.vectors.labels import classify
from workbench.analysis.vectors.verdicts import Verdicts

__all__ = [
    "RULES",
    "VECTORS",
    "Evidence",
    "VectorRule",
    "Verdicts",
    "candidates",
    "classify",
    "span_ns",
]
