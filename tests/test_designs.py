"""Designs: variants patch the baseline, resolve into whole journeys, and are checked as such."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from journeydsl.api import check_text, design, loads
from journeydsl.cli import cli
from journeydsl.lang.designs import design_names, resolve
from journeydsl.lang.diagnostics import JourneyError

from .conftest import ROOT

BASE = """journey "Branch" {
  segment premier 30% { patience 10 min }
  segment mass 70% { patience 5 min }
  stage advice {
    touchpoint advisor: staff capacity 3 duration 45 min cost 60 { think +2; performance service 8 }
    touchpoint fetch: staff duration 10 min { feel -2 }
    touchpoint handshake: staff { feel +1 }
    -> sign 55%
    -> advice 10%
  }
  stage sign goal {
    choice signing {
      touchpoint in_branch: staff share 60% { act +1 }
      touchpoint online: digital share 40% { theme convenience +2 }
    }
  }
  touchpoint apology: staff { feel +1 }
  care card: media every 1 year for all cost 3 { feel +1 }
VARIANTS
}
"""


def with_variants(variants: str) -> str:
    return BASE.replace("VARIANTS", variants)


def journey_with(variants: str):
    return loads(with_variants(variants))


def steps(journey, stage: str) -> list[str]:
    return [step.name for step in next(s for s in journey.stages if s.name == stage).steps]


def test_design_names_and_the_baseline_is_the_text_as_written():
    journey = journey_with('variant "a" { remove fetch }  variant "b" extends "a" { }')
    assert design_names(journey) == ["baseline", "a", "b"]
    baseline = design(journey, "baseline")
    assert baseline.variants == () and steps(baseline, "advice") == ["advisor", "fetch", "handshake"]


def test_replace_keeps_the_place_and_the_share():
    journey = journey_with(
        'variant "printer" { replace fetch with touchpoint printer: staff duration 2 min { theme respect +1 } '
        "replace online with touchpoint app: digital { act +1 } }"
    )
    printer = design(journey, "printer")
    assert steps(printer, "advice") == ["advisor", "printer", "handshake"]
    app = printer.stages[1].touchpoints()[1]
    assert (app.name, app.choice, app.share.probability.value) == ("app", "signing", pytest.approx(0.4))


def test_add_in_every_position_and_to_the_library():
    journey = journey_with(
        'variant "v" { add touchpoint coffee: environment { sense +1 } in advice after advisor\n'
        " add touchpoint greet: staff { feel +1 } in advice first\n"
        " add touchpoint bye: staff { feel +1 } in advice\n"
        " add touchpoint note: media { think +1 } in advice before handshake\n"
        " add touchpoint sorry: staff { feel +1 } }"
    )
    resolved = design(journey, "v")
    assert steps(resolved, "advice") == ["greet", "advisor", "coffee", "fetch", "note", "handshake", "bye"]
    assert [tp.name for tp in resolved.touchpoints] == ["apology", "sorry"]
    assert all(tp.stage == "advice" for tp in resolved.stages[0].touchpoints())


def test_change_merges_attributes_and_effects():
    journey = journey_with('variant "v" { change advisor capacity 4 cost 70 { think +3; theme trust +1 } }')
    advisor = design(journey, "v").stages[0].touchpoints()[0]
    assert (advisor.capacity, advisor.cost) == (4, 70)
    assert advisor.duration.args[0].value == 45  # untouched
    assert [(m.name, m.value) for m in advisor.effects.modules] == [("think", 3)]
    assert [(t.name, t.value) for t in advisor.effects.themes] == [("trust", 1)]
    assert [(p.name, p.value) for p in advisor.effects.performance] == [("service", 8)]


def test_change_stage_segment_order_settings_remove_and_care():
    journey = journey_with(
        'variant "v" {\n'
        "  change stage advice { -> sign 70%; visit limit 2 }\n"
        "  change segment premier 40% { patience 15 min }\n"
        "  change segment mass 60%\n"
        "  order advice: handshake, advisor, fetch\n"
        "  memory { end 0.5 }\n"
        "  remove card\n"
        "  add care gift: delegated every 1 year for all cost 20 { feel +2 }\n"
        "}"
    )
    resolved = design(journey, "v")
    advice = resolved.stages[0]
    assert [(t.target, t.probability.value) for t in advice.transitions] == [
        ("sign", pytest.approx(0.7)),
        ("advice", pytest.approx(0.1)),
    ]
    assert advice.visit_limit == 2
    premier, mass = resolved.segments
    assert (premier.share.value, premier.patience.value, mass.share.value) == (
        pytest.approx(0.4),
        15,
        pytest.approx(0.6),
    )
    assert steps(resolved, "advice") == ["handshake", "advisor", "fetch"]
    assert [(b.name, [(p.name, p.value.value) for p in b.params]) for b in resolved.params] == [
        ("memory", [("end", 0.5)])
    ]
    assert [c.name for c in resolved.care] == ["gift"]


def test_a_variant_builds_on_another():
    journey = journey_with(
        'variant "a" { change advisor capacity 4 }  variant "b" extends "a" { change advisor cost 1 }'
    )
    advisor = design(journey, "b").stages[0].touchpoints()[0]
    assert (advisor.capacity, advisor.cost) == (4, 1)
    assert design(journey, "a").stages[0].touchpoints()[0].cost == 60


def test_remove_stage_and_segment():
    result = check_text(with_variants('variant "v" { remove stage sign; remove segment premier }'))
    codes = {(d.code, d.message.split(":")[0]) for d in result.diagnostics}
    # Removing the goal stage breaks the transition to it; removing a segment breaks the shares.
    assert ("JD101", "in design `v`") in codes
    assert ("JD203", "in design `v`") in codes


@pytest.mark.parametrize(
    ("variants", "code", "text"),
    [
        ('variant "v" { remove nothing_here }', "JD108", "nothing_here"),
        ('variant "v" { change stage nowhere { -> sign 10% } }', "JD101", "nowhere"),
        ('variant "v" { change segment vip 10% }', "JD107", "vip"),
        ('variant "v" { add touchpoint x: staff { feel +1 } in advice after nobody }', "JD108", "nobody"),
        ('variant "v" extends "w" { }', "JD601", "`w`"),
        ('variant "a" extends "b" { }  variant "b" extends "a" { }', "JD602", "cycle"),
        ('variant "v" { order advice: fetch, advisor }', "JD603", "missing `handshake`"),
        ('variant "v" { change stage advice { -> sign 95% } }', "JD202", "in design `v`"),
        ('variant "baseline" { }', "JD114", "baseline"),
        ('variant "v" { } variant "v" { }', "JD102", "two variants"),
    ],
)
def test_broken_variants_are_reported_at_the_patch(variants, code, text):
    result = check_text(with_variants(variants), "branch.journey")
    found = [d for d in result.diagnostics if d.code == code]
    assert found, [(d.code, d.message) for d in result.diagnostics]
    assert text in found[0].message
    variant_line = next(i for i, line in enumerate((with_variants(variants)).splitlines(), 1) if "variant" in line)
    assert found[0].span.line >= variant_line


def test_baseline_problems_are_not_repeated_for_each_variant():
    broken = (with_variants('variant "v" { change advisor cost 1 }')).replace("-> sign 55%", "-> sign 95%")
    result = check_text(broken)
    assert [d.code for d in result.diagnostics if d.code == "JD202"] == ["JD202"]
    assert not any("in design" in d.message for d in result.diagnostics)


def test_unknown_design_through_the_api():
    with pytest.raises(JourneyError):
        design(journey_with(""), "nope")
    assert resolve(journey_with(""), "nope").diagnostics[0].code == "JD601"


EXAMPLE = ROOT / "examples" / "journeys" / "premier_banking.journey"


def test_cli_design_option_on_graph_simulate_and_plot(tmp_path):
    runner = CliRunner()
    graph = runner.invoke(cli, ["graph", str(EXAMPLE), "--design", "printer in office", "--format", "mermaid"])
    assert graph.exit_code == 0, graph.output
    assert "print_in_office" in graph.output and "fetch_printouts" not in graph.output
    result = runner.invoke(
        cli, ["simulate", str(EXAMPLE), "--design", "printer in office", "--customers", "300", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert '"design": "printer in office"' in result.output
    plot = runner.invoke(
        cli,
        ["plot", str(EXAMPLE), "--design", "printer in office", "--customers", "200", "-o", str(tmp_path / "c.png")],
    )
    assert plot.exit_code == 0, plot.output
    unknown = runner.invoke(cli, ["simulate", str(EXAMPLE), "--design", "printer", "--customers", "10"])
    assert unknown.exit_code == 2 and "printer in office" in unknown.output


def test_the_printer_removes_the_worst_moment():
    from journeydsl.api import load, simulate

    journey = load(EXAMPLE)
    baseline = simulate(journey, customers=1500, seed=2).results
    printer = simulate(journey, customers=1500, seed=2, design="printer in office").results
    assert (
        printer["metrics"]["remembered_experience"]["ci95"][0] > baseline["metrics"]["remembered_experience"]["ci95"][1]
    )
