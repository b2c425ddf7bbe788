"""contacthub: one store of contacts per workspace, reached through several front doors."""

__version__ = "0.1.0"
