"""The ``journey`` command: thin click commands over :mod:`journeydsl.api`.

:mod:`.main` holds the entry point (:func:`main`, which takes charge of the
stop signals before anything heavy is imported), :mod:`.commands` the group
(:data:`cli`), :mod:`.options` the shared options (one
:class:`~.options.RunOptions` per simulating command, one
:class:`~.options.ReadOptions` per command that reads a journey),
:mod:`.output` printing, writing and exit codes; the commands are in
:mod:`.language`, :mod:`.running` and :mod:`.analyses`.

Importing this package imports only :func:`main`; ``cli`` is imported on first
use (PEP 562), so the console script starts quickly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .main import main

if TYPE_CHECKING:  # pragma: no cover
    from .commands import cli

__all__ = ["cli", "main"]


def __getattr__(name: str) -> Any:
    """``cli``, the ``journey`` command group, imported on first use (PEP 562); no other name."""
    if name == "cli":
        from .commands import cli

        globals()["cli"] = cli
        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """Every public name, imported yet or not."""
    return sorted({*globals(), *__all__})
