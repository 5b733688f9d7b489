"""HTTP floods on a web application's own port (Flask's 5000, Node's 3000, ...), where labs and
small deployments are attacked, are found as on port 80; a flash crowd of visitors on that port
is not one."""

from __future__ import annotations

from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

from workbench.analysis.vector_table import RULES, WEB_PORTS

APP = "203.0.113.70"


def test_the_web_ports_include_application_servers() -> None:
    assert {80, 443, 3000, 5000, 8000, 8080, 8888} <= set(WEB_PORTS)
    assert set(RULES["http_flood"].dport) == set(WEB_PORTS)


def test_a_flash_crowd_and_a_hulk_flood_on_port_5000(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "app-port-flash-crowd")
    assert _vectors(clean) == []
    found, recall, precision = in_memory(tmp_path, "hulk-on-app-port", "http_flood")
    assert _vectors(found) == [("http_flood", [APP])]
    assert recall >= 0.9 and precision >= 0.9


def test_over_dataset_windows(tmp_path) -> None:
    clean, *_ = over_windows(tmp_path, "app-port-flash-crowd", window_packets=5_000)
    assert _vectors(clean) == []
    found, *_ = over_windows(tmp_path, "hulk-on-app-port", window_packets=5_000)
    assert _vectors(found) == [("http_flood", [APP])]
