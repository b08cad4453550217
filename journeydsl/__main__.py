"""``python -m journeydsl`` runs the ``journey`` command."""

from .cli import main

main()
