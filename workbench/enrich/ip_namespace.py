"""The ``ip`` expression namespace: ``pl.col("src").ip.to_text()``, ``.ip.from_text()``,
``.ip.in_network("203.0.113.0/24")``, ``.ip.is_v4()``, ``.ip.network()``, ``.ip.is_bogon()``.

Registered here, above ``capture``, so that one namespace holds the address expressions of
``capture.addresses`` and the bogon table of ``enrich.bogons``; ``import workbench`` registers it.
"""

from __future__ import annotations

import polars as pl

from workbench.capture.addresses import AddressNamespace
from workbench.enrich.bogons import bogon_kind, is_bogon


@pl.api.register_expr_namespace("ip")
class IPNamespace(AddressNamespace):
    """Address helpers on UInt128 columns of the packet frame, all in Polars expressions.

    frame.filter(pl.col("src").ip.is_bogon()).select(pl.col("src").ip.to_text())
    """

    def bogon_kind(self) -> pl.Expr:
        """The kind of bogon space (``private``, ``documentation``, ...), null when routable."""
        return bogon_kind(self._expr)

    def is_bogon(self) -> pl.Expr:
        """True where the address is bogon, private or reserved space (``enrich.bogons``)."""
        return is_bogon(self._expr)
