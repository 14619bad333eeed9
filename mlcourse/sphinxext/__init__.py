"""Sphinx extensions used to build the course website (see _config.yml)."""
