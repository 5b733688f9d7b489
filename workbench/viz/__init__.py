"""viz layer (see DESIGN.md)."""
