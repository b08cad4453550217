"""The ``journey`` command group and its entry point.

The commands live by job: :mod:`.language` (check, graph), :mod:`.running`
(simulate, compare, test, plot, report) and :mod:`.analyses` (analyze, gaps,
opportunities, profile, delivery, care, recovery).  Exit codes are those of
:mod:`.output`: 0 success (warnings allowed), 1 the journey has errors, a design
test failed or an output could not be written, 2 bad usage.
"""

from __future__ import annotations

import click

from .._version import __version__
from . import analyses, language, running

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
):
    cli.add_command(command)


def main() -> None:
    """Run the ``journey`` command (the console script and ``python -m journeydsl``)."""
    cli(prog_name="journey")
