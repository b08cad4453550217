r"""Charts draw every name as its author wrote it: ``$``, ``\``, ``^``, ``_``, ``{`` and ``%`` included.

Matplotlib reads the text between two ``$`` as mathtext: a name such as
``pay $5 $`` came out as an italic formula, and one such as ``$\frac{$`` made
the chart raise.  Every chart of :mod:`journeydsl.report.plots` is drawn here
for a journey whose every name holds all of these characters; each must
render to a PNG that decodes, read no text as mathtext, and show each name
(as Matplotlib shows it) in full.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib import cbook  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from journeydsl import api  # noqa: E402
from journeydsl.lang.escape import plot_text  # noqa: E402
from journeydsl.report import plots  # noqa: E402
from journeydsl.report.figures import figure_bytes  # noqa: E402
from journeydsl.sim.runner import RunSettings  # noqa: E402

#: The characters every name below holds: each means something to mathtext or to LaTeX.
SPECIAL = ("$", "\\", "^", "_", "{", "%")

# In the journey's quoted names ``\\`` is one backslash; the constants below hold the names as read.
HOSTILE = r"""
journey "J $x^2$ \\alpha {50%} a_b" { horizon 30 days arrivals poisson 40 per day seed 5
  factor service expect 6 importance 8
  segment "seg A $x^2$ \\alpha _{%}^" 60% { patience 30 min }
  segment "seg B $ \\ ^ _ { %" 40% { patience 20 min }
  stage "arrive $x^2$ \\alpha ^_{%" {
    touchpoint "pay $5 $ \\^_{%": staff capacity 2 duration 5 min cost 3 {
      feel -1; performance service 7
      failure "fail $x^2$ \\alpha ^_{%" 30% { feel -2 } recover by "fix $x^2$ \\alpha ^_{%"
    }
    touchpoint "wait $\\frac{$ ^_{%}": environment duration 2 min cost 1 { think +1 }
    -> "leave $$ \\\\ ^_{%" 80%
  }
  stage "leave $$ \\\\ ^_{%" goal {
    touchpoint "bye \\$ $\\sqrt{$ ^_%{": staff duration 3 min cost 2 { feel +2 }
  }
  touchpoint "fix $x^2$ \\alpha ^_{%": staff duration 1 min { feel +1 }
  care "care $x^2$ \\alpha ^_{%": media for all every 1 year cost 3 { feel +1 }
  variant "var 1 $x^2$ \\alpha ^_{%" { change "pay $5 $ \\^_{%" capacity 3 }
  variant "var 2 $\\$ \\ ^_{%" { change "bye \\$ $\\sqrt{$ ^_%{" cost 1 }
}
"""
JOURNEY = r"J $x^2$ \alpha {50%} a_b"
SEGMENTS = (r"seg A $x^2$ \alpha _{%}^", r"seg B $ \ ^ _ { %")
STAGES = (r"arrive $x^2$ \alpha ^_{%", r"leave $$ \\ ^_{%")
#: The touchpoints of the stages, in journey order.
TOUCHPOINTS = (r"pay $5 $ \^_{%", r"wait $\frac{$ ^_{%}", r"bye \$ $\sqrt{$ ^_%{")
RECOVERY = r"fix $x^2$ \alpha ^_{%"
CARE = r"care $x^2$ \alpha ^_{%"
DESIGNS = ("baseline", r"var 1 $x^2$ \alpha ^_{%", r"var 2 $\$ \ ^_{%")
NAMES = (JOURNEY, *SEGMENTS, *STAGES, *TOUCHPOINTS, RECOVERY, CARE, *DESIGNS[1:])


@given(st.text(st.sampled_from(SPECIAL) | st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), max_size=30))
def test_matplotlib_shows_what_plot_text_is_given(name):
    """Matplotlib's own reading of the escaped text (``Text._preprocess_math``): plain text, the name itself."""
    assert Text(text=plot_text(name))._preprocess_math(plot_text(name)) == (name, False)


@dataclass(frozen=True)
class Documents:
    """What the charts draw, each simulated once."""

    outcome: Any
    comparison: dict
    gaps: dict
    analysis: dict
    opportunities: dict
    profile: dict
    delivery: dict
    care: dict
    recovery: dict


@pytest.fixture(scope="module")
def journey():
    return api.loads(HOSTILE)


@pytest.fixture(scope="module")
def documents(journey) -> Documents:
    settings = RunSettings(customers=80, workers=1, seed=5)
    return Documents(
        outcome=api.simulate(journey, settings),
        comparison=api.compare(journey, settings=settings),
        gaps=api.gaps(journey, settings, source="simulation"),
        analysis=api.analyze(journey),
        opportunities=api.opportunities(journey, settings),
        profile=api.profile(journey, settings=settings),
        delivery=api.delivery(journey, settings),
        care=api.care(journey, settings),
        recovery=api.recovery(journey, settings),
    )


def shown(text: Text) -> str:
    """The characters Matplotlib draws for a text that is not mathtext (as ``Text._preprocess_math`` does)."""
    return text.get_text().replace("\\$", "$")


def figure_of(drawn: Any) -> Figure:
    """The figure a plot function drew on, from the axes or the sequence of axes it returned."""
    return drawn if isinstance(drawn, Figure) else (drawn if hasattr(drawn, "figure") else drawn[0]).figure


#: Every chart, with the names it must show.
CHARTS: dict[str, tuple[Callable[[Documents], Any], Iterable[str]]] = {
    **{
        kind: (lambda d, kind=kind: api.plot(d.outcome, kind), names)
        for kind, names in (
            ("curve", (JOURNEY, *STAGES, *TOUCHPOINTS)),
            ("funnel", (JOURNEY, *STAGES)),
            ("distribution", (JOURNEY,)),
        )
    },
    "emotion curves": (lambda d: plots.emotion_curves(d.comparison["results"]), (JOURNEY, *TOUCHPOINTS, *DESIGNS)),
    "forest": (lambda d: plots.forest(d.comparison), DESIGNS),
    "segment heatmap": (lambda d: plots.segment_heatmap(d.comparison), (*DESIGNS, *SEGMENTS)),
    "gaps": (lambda d: plots.gap_chart(d.gaps), ()),
    "gaps of a segment": (lambda d: plots.gap_chart(d.gaps, SEGMENTS[0]), (SEGMENTS[0],)),
    "removal": (lambda d: plots.removal_chart(d.analysis), (JOURNEY, *TOUCHPOINTS)),
    "opportunity matrix": (lambda d: plots.opportunity_matrix(d.opportunities), (JOURNEY, *TOUCHPOINTS)),
    "tornado": (lambda d: plots.tornado(d.opportunities), (JOURNEY, *TOUCHPOINTS)),
    "profile": (lambda d: plots.profile_bars(d.profile), (JOURNEY, *DESIGNS)),
    "profile of a segment": (lambda d: plots.profile_bars(d.profile, SEGMENTS[1]), (SEGMENTS[1],)),
    "delivery": (lambda d: plots.delivery_chart(d.delivery), (JOURNEY, *TOUCHPOINTS)),
    "care": (lambda d: plots.care_chart(d.care), (JOURNEY, CARE)),
    "recovery": (lambda d: plots.recovery_chart(d.recovery), (JOURNEY,)),
}


def test_every_name_holds_every_special_character(journey, documents):
    assert all(char in name for name in NAMES for char in SPECIAL)
    results = documents.outcome.results
    assert results["journey"] == JOURNEY and tuple(results["stages"]) == STAGES
    assert tuple(name for name, tp in results["touchpoints"].items() if tp.get("stage")) == TOUCHPOINTS
    assert RECOVERY in results["touchpoints"] and set(SEGMENTS) <= set(results["segments"])
    assert tuple(api.design_names(journey)) == DESIGNS and CARE in documents.care["programmes"]


@pytest.mark.parametrize("chart", CHARTS)
def test_every_chart_draws_every_name_as_written(documents, chart):
    draw, names = CHARTS[chart]
    figure = figure_of(draw(documents))
    try:
        png = figure_bytes(figure, "png")
        pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100
        texts = [text for text in figure.findobj(Text) if text.get_text()]
        math = [text.get_text() for text in texts if cbook.is_math_text(text.get_text())]
        assert not math, f"read as mathtext: {math}"
        drawn = [shown(text) for text in texts]
        missing = [name for name in names if not any(name in line for line in drawn)]
        assert not missing, f"not drawn as written: {missing} (drawn: {drawn})"
    finally:
        plt.close(figure)


@pytest.mark.parametrize("chart", ["curve", "forest", "tornado", "profile of a segment"])
def test_names_are_never_given_to_latex(documents, chart):
    """With ``text.usetex`` on, LaTeX would read ``%``, ``_`` and ``\\`` in a name: the charts draw their text themselves."""
    draw, names = CHARTS[chart]
    with matplotlib.rc_context({"text.usetex": True}):
        figure = figure_of(draw(documents))
    try:
        named = [text for text in figure.findobj(Text) if any(name in shown(text) for name in names)]
        assert named and not [shown(text) for text in named if text.get_usetex()]
    finally:
        plt.close(figure)
