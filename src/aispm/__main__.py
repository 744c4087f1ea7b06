"""``python -m aispm`` runs the command line."""

from aispm.cli.main import main

main()
