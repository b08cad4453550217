"""Semantic checks through the API: every problem collected, with the right code and hint."""

from __future__ import annotations

from journeydsl.api import check_text
from journeydsl.lang.diagnostics import CODES
from journeydsl.lang.render import render_text

GOOD = """
journey "J" {
  segment a 40% { patience 5 min }
  segment b 60% { }
  stage browse (pre-purchase) {
    touchpoint ad: advertising { feel +1 }
    -> buy 60%
    -> exit
  }
  stage buy (purchase) goal {
    touchpoint till: staff capacity 2 duration exponential(3 min) { feel +1; performance service 7 }
  }
}
"""


def codes(text: str) -> list[str]:
    return [d.code for d in check_text(text).diagnostics]


def test_good_journey_has_no_diagnostics():
    assert codes(GOOD) == []


def test_every_problem_is_collected_in_reading_order():
    text = (
        GOOD.replace("advertising", "advertsing")
        .replace("-> buy 60%", "-> bye 60%")
        .replace("capacity 2", "capacity 0")
        .replace("feel +1; performance", "feel +9; performance")
        .replace("40%", "30%")
    )
    result = check_text(text)
    found = [d.code for d in result.diagnostics]
    for code in ("JD103", "JD101", "JD206", "JD207", "JD203"):
        assert code in found
    lines = [d.span.line for d in result.diagnostics]
    assert lines == sorted(lines)


def test_did_you_mean_hints():
    result = check_text(GOOD.replace("-> buy 60%", "-> bu 60%"))
    (diagnostic,) = [d for d in result.diagnostics if d.code == "JD101"]
    assert diagnostic.hint == "did you mean `buy`?"
    rendered = render_text(result.diagnostics, result.sources)
    assert "<string>:7:8: error[JD101]" in rendered
    assert "    -> bu 60%" in rendered and "       ^^" in rendered


def test_unknown_vocabulary():
    assert "JD104" in codes(GOOD.replace("feel +1 }", "fel +1 }"))
    assert "JD105" in codes(GOOD.replace("feel +1 }", "theme trsut +1 }"))
    assert "JD106" in codes(GOOD.replace("performance service", "performance servise"))
    assert "JD110" in codes(GOOD.replace("(purchase)", "(purchse)"))
    assert "JD111" in codes(GOOD.replace("exponential(", "expo("))


def test_probabilities():
    assert "JD201" in codes(GOOD.replace("-> buy 60%", "-> buy 120%"))
    over = GOOD.replace("-> exit", "-> browse 50%")
    assert "JD202" in codes(over)
    conditional = GOOD.replace("-> buy 60%", "-> buy 60%, 90% if mood > 1").replace("-> exit", "-> browse 30%")
    assert "JD202" in codes(conditional)
    assert "JD213" in codes(GOOD.replace("-> buy 60%", "-> buy"))


def test_durations_units_and_capacity():
    assert "JD205" in codes(GOOD.replace("exponential(3 min)", "exponential(3)"))
    assert "JD204" in codes(GOOD.replace("exponential(3 min)", "-3 min"))
    assert "JD209" in codes(GOOD.replace("exponential(3 min)", "uniform(5 min, 2 min)"))
    assert "JD215" in codes(GOOD.replace("capacity 2", "capacity 1.5"))


def test_structure():
    assert "JD303" in codes(GOOD.replace(") goal {", ") {"))
    unreachable = GOOD.replace("-> buy 60%", "-> exit 60%").replace("    -> exit\n", "")
    assert "JD301" in codes(unreachable)
    trap = (
        GOOD.replace(") goal {", ") {")
        .replace("performance service 7 }\n  }", "performance service 7 }\n    -> browse\n  }")
        .replace("-> exit", "-> buy 40%")
    )
    found = codes(trap)
    assert "JD302" in found
    loop = GOOD.replace("-> exit", "-> browse 20%")
    assert "JD502" in codes(loop)
    assert "JD502" not in codes(loop.replace('journey "J" {', 'journey "J" { visit limit 3'))


def test_choice_shares_per_segment():
    text = GOOD.replace(
        "touchpoint ad: advertising { feel +1 }",
        "choice { touchpoint ad: advertising share 60% (a 50%) { feel +1 } "
        "touchpoint tv: media share 40% (a 40%) { feel +1 } }",
    )
    result = check_text(text)
    messages = [d.message for d in result.diagnostics if d.code == "JD208"]
    assert messages and "segment `a`" in messages[0]


def test_warnings_only_still_ok():
    result = check_text(GOOD.replace("{ feel +1 }", "{ }"))
    assert [d.code for d in result.diagnostics] == ["JD501"]
    assert result.ok


def test_library_checked_alone():
    result = check_text('library "shared" { touchpoint helpdesk: staf { feel +1 } }')
    assert [d.code for d in result.diagnostics] == ["JD103"]


def test_imports(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "shared.journey").write_text(
        'library "shared" { segment everyone 100% { patience 5 min } touchpoint desk: staff { feel +1 } }'
    )
    main = tmp_path / "main.journey"
    main.write_text('import "lib/shared.journey"\n' + 'journey "J" { stage s goal { use desk } }')
    from journeydsl.api import check_file

    result = check_file(main)
    assert result.ok, result.diagnostics
    assert [s.name for s in result.journey.segments] == ["everyone"]
    outside = tmp_path / "lib" / "bad.journey"
    outside.write_text('import "../../x.journey"\njourney "J" { stage s goal { } }')
    assert "JD402" in [d.code for d in check_file(outside).diagnostics]
    cycle_a = tmp_path / "a.journey"
    cycle_b = tmp_path / "b.journey"
    cycle_a.write_text('import "b.journey"\nlibrary { }')
    cycle_b.write_text('import "a.journey"\nlibrary { }')
    assert "JD403" in [d.code for d in check_file(cycle_a).diagnostics]
    missing = tmp_path / "m.journey"
    missing.write_text('import "nope.journey"\njourney "J" { stage s goal { } }')
    assert "JD401" in [d.code for d in check_file(missing).diagnostics]
    not_library = tmp_path / "n.journey"
    not_library.write_text('import "main.journey"\njourney "K" { stage s goal { } }')
    assert "JD404" in [d.code for d in check_file(not_library).diagnostics]


def test_syntax_errors_are_classified():
    assert codes('journey "J" { stge s goal { } }') == ["JD004"]
    assert codes('journey "J" { stage s goal { touchpoint t: staff duration 3 minuts } }') == ["JD005"]
    assert codes('journey "J" { stage s goal { ') == ["JD002"]
    assert codes("") == ["JD008"]
    assert codes("# only a comment\n") == ["JD008"]
    assert codes('journey "J { }') == ["JD010"]
    assert codes('journey "J" { stage s goal { touchpoint t: staff { feel +1 } } } $') == ["JD006"]


def test_every_code_has_a_title_and_severity():
    for code, (severity, title) in CODES.items():
        assert severity in ("error", "warning") and title
        assert code.startswith("JD") and len(code) == 5
