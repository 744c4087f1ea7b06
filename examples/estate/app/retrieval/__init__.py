"""Retrieval over the help-centre articles."""
