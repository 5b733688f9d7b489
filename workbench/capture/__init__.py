"""Evidence in: detect the format, walk the records, decode L2-L4 into the packet frame."""

from workbench.capture.addresses import IPNamespace
from workbench.capture.schema import COLUMNS, PACKET_SCHEMA, conform, empty_frame

__all__ = ["COLUMNS", "PACKET_SCHEMA", "IPNamespace", "conform", "empty_frame"]
