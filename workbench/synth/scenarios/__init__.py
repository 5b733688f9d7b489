"""Named attack scenarios: a timeline of building blocks, with the truth they imply.

Times are seconds from the scenario's start. Rates are packets/s at ``scale=1``
(``scale`` multiplies every rate and the link capacity). Addresses of the
provider side are documentation ranges: 203.0.113.0/24 the provider's
datacenter, 198.51.100.0/24 its upstream ISP's routers.
"""

from workbench.synth.scenarios import benign, hard, samples
from workbench.synth.scenarios.model import (
    DATACENTER,
    MAIL,
    RESOLVER,
    SERVICES,
    UPSTREAM,
    WEB,
    WEB_V6,
    Attack,
    Scenario,
    Traffic,
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s for s in (*samples.SCENARIOS, *hard.SCENARIOS, *benign.SCENARIOS)
}

__all__ = [
    "DATACENTER",
    "MAIL",
    "RESOLVER",
    "SCENARIOS",
    "SERVICES",
    "UPSTREAM",
    "WEB",
    "WEB_V6",
    "Attack",
    "Scenario",
    "Traffic",
]
