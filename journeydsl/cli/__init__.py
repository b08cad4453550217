"""The ``journey`` command: thin click commands over :mod:`journeydsl.api`."""

from .commands import cli, main

__all__ = ["cli", "main"]
