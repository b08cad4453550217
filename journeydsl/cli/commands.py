"""The ``journey`` command group: every command, by job.

The commands live by job: :mod:`.language` (check, graph), :mod:`.running`
(simulate, compare, test, plot, report) and :mod:`.analyses` (analyze, gaps,
opportunities, profile, delivery, care, recovery).  Exit codes are those of
:mod:`.output`; the console script runs the group through
:func:`journeydsl.cli.main.main`, which imports this module only once it has
taken charge of the stop signals.
"""

from __future__ import annotations

import click

from .._version import __version__
from . import analyses, language, running
from . import fmt as formatting
from . import lsp as language_server
from .fit import fit as fit_log
from .importing import import_group
from .output import Group
from .validate import validate as validate_log
from .watch import watch as live_preview

__all__ = ["cli"]


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="journeydsl")
def cli() -> None:
    """Design, check and simulate customer journeys written in the journey language.

    \b
    Start with:
      journey check examples/journeys/premier_banking.journey
      journey simulate examples/journeys/premier_banking.journey --customers 2000
      journey compare examples/journeys/premier_banking.journey
      journey plot examples/journeys/premier_banking.journey --kind curve
      journey report examples/journeys/premier_banking.journey -o report.html
    """


for command in (
    language.check,
    language.graph,
    running.simulate,
    running.compare,
    running.test,
    running.plot,
    running.report,
    analyses.analyze,
    analyses.gaps,
    analyses.opportunities,
    analyses.profile,
    analyses.delivery,
    analyses.care,
    analyses.recovery,
    formatting.fmt,
    language_server.lsp,
    import_group,
    fit_log,
    live_preview,
    validate_log,
):
    cli.add_command(command)
