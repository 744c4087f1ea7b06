"""Model-file scanning: find every way a model file can run code or escape its directory,
without ever loading it."""

from aispm.artifacts.scanner import identify, scan_bytes, scan_file, scan_tree

__all__ = ["identify", "scan_bytes", "scan_file", "scan_tree"]
