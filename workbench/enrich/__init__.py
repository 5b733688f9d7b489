"""enrich layer (see DESIGN.md)."""
