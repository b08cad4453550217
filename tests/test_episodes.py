"""Remembered episodes: declared in the language, checked, remembered and judged on their own."""

from __future__ import annotations

from journeydsl.api import check_text, design, loads

CLINIC = """
journey "Clinic" {
  stage preparation { touchpoint prep: staff duration 10 min { feel -1 } -> examination }
  stage examination { touchpoint scope: staff duration 25 min { sense pain 6/10 } -> talk }
  stage talk goal { touchpoint results: staff duration 10 min { feel +2 } }
  episode procedure { stages preparation, examination; decides return }
  episode talk_only { stages talk }
  variant "kinder talk" { change results { feel +3 } }
}
"""


def codes(text: str) -> list[str]:
    return [d.code for d in check_text(text, "t.journey").diagnostics]


def test_episodes_are_read_into_the_model():
    journey = loads(CLINIC)
    procedure, talk = journey.episodes
    assert procedure.name == "procedure"
    assert [name for name, _ in procedure.stages] == ["preparation", "examination"]
    assert procedure.stage_names == {"preparation", "examination"}
    assert procedure.decides_return and not talk.decides_return
    assert codes(CLINIC) == []


def test_a_stage_may_belong_to_several_episodes_and_episodes_need_not_be_consecutive():
    text = CLINIC.replace("episode talk_only { stages talk }", "episode ends { stages preparation, talk }")
    assert codes(text) == []


def test_episode_problems_have_their_codes():
    text = CLINIC.replace("stages preparation, examination;", "stages preparation, examinaton;")
    assert codes(text) == ["JD240"]
    assert "did you mean `examination`" in str(check_text(text, "t.journey").diagnostics[0].hint)
    assert codes(CLINIC.replace("episode talk_only { stages talk }", "episode talk_only { }")) == ["JD241"]
    assert codes(CLINIC.replace("episode talk_only", "episode procedure")) == ["JD242"]
    assert codes(CLINIC.replace("stages talk }", "stages talk decides return }")) == ["JD243"]


def test_variants_inherit_the_episodes():
    journey = loads(CLINIC)
    assert design(journey, "kinder talk").episodes == journey.episodes
