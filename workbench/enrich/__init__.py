"""Knowledge added to addresses: country and ASN (embedded DB-IP Lite, or your .mmdb), bogons."""

from workbench.enrich.bogons import BOGON_PREFIXES, bogon_kind, bogon_mask
from workbench.enrich.geo import attribution, geolocate
from workbench.enrich.ip_namespace import IPNamespace

__all__ = ["BOGON_PREFIXES", "IPNamespace", "attribution", "bogon_kind", "bogon_mask", "geolocate"]
