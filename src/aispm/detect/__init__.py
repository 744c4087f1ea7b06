"""Content detectors: text in, typed and scored spans out (shared by discovery and the guard)."""
