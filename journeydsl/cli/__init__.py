"""The ``journey`` command: thin click commands over :mod:`journeydsl.api`.

:mod:`.main` holds the group and the entry point, :mod:`.options` the shared
options (one :class:`~.options.RunOptions` per simulating command),
:mod:`.output` printing, writing and exit codes; the commands are in
:mod:`.language`, :mod:`.running` and :mod:`.analyses`.
"""

from .main import cli, main

__all__ = ["cli", "main"]
