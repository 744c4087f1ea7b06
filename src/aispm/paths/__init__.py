"""Attack paths: one graph per scan, who can reach what, paths from entry points to crown jewels.

See docs/attack-paths.md.  Entry: :func:`aispm.paths.graph.build_graph`.
"""
