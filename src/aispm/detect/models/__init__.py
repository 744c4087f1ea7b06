"""The trained injection classifier (weights as plain arrays, metadata as JSON)."""
