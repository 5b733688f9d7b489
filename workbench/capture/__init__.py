"""Evidence in: detect the format, walk the records, decode L2-L4 into the packet frame."""

from workbench.capture.addresses import AddressNamespace
from workbench.capture.reader import Capture, CaptureMeta, CaptureWarning, FileMeta, load, read_file
from workbench.capture.scan import open_dataset, scan
from workbench.capture.schema import COLUMNS, PACKET_SCHEMA, conform, empty_frame

__all__ = [
    "COLUMNS",
    "PACKET_SCHEMA",
    "AddressNamespace",
    "Capture",
    "CaptureMeta",
    "CaptureWarning",
    "FileMeta",
    "conform",
    "empty_frame",
    "load",
    "open_dataset",
    "read_file",
    "scan",
]
