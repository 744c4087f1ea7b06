"""Local models: the intent classifier and the reply generator."""
