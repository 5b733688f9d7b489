"""Knowledge added to addresses: bogons and reserved space (geography and ASNs: see issue 10)."""

from workbench.enrich.bogons import BOGON_PREFIXES, bogon_kind, bogon_mask

__all__ = ["BOGON_PREFIXES", "bogon_kind", "bogon_mask"]
