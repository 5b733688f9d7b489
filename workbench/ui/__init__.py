"""The ipywidgets dashboard: state + chart builders composed, linked selections."""

from workbench.ui.dashboard import Dashboard
from workbench.ui.state import DashboardState

__all__ = ["Dashboard", "DashboardState"]
