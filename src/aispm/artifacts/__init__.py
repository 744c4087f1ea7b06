"""Model-file scanning: find every way a model file can run code or escape its directory,
without ever loading it."""
