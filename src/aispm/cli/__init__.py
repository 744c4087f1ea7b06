"""The ``aispm`` command line (Typer), a module per command group."""
