"""The sweep contract: real ``journeydsl.sweep/1`` documents validate against the shipped JSON Schema.

Documents of a grid and of a Latin hypercube, with and without ``--objective`` and ``--budget``, from
the command (``-o FILE.json``) and from :meth:`SweepResult.record`; broken documents are refused; the
fields table of docs/scale.md names exactly the schema's fields.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from journeydsl import api
from journeydsl.analysis.sweep import SCHEMA, run_sweep
from journeydsl.cli.sweep import sweep as sweep_command
from journeydsl.lang.sweep import parse_constraint, read_sweep_text
from journeydsl.schemas import SCHEMA_FILES, load_schema, validator
from journeydsl.sim.runner import Runner
from journeydsl.sim.settings import RunSettings

from .conftest import ROOT
from .test_sweep import JOURNEY

VALIDATOR = validator("sweep.schema.json")

#: A grid of 2 x 2 points over a queue's capacity and a touchpoint's effect.
GRID = '[settings]\n"capacity of \\"front desk\\"" = [1, 2]\n"feel of advice" = [0, 2]\n'

#: A Latin hypercube of 5 points over a cost and a failure's chance.
LHS = (
    'method = "lhs"\npoints = 5\nseed = 4\n[settings]\n"cost of advice" = { from = 1, to = 9 }\n'
    '\'failure "no pen" of "front desk"\' = { from = "5%", to = "40%" }\n'
)


def _errors(document: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in sorted(VALIDATOR.iter_errors(document), key=str)[:5]]


def _record(spec_text: str, objective: str | None = None, budget: tuple[str, ...] = ()) -> dict[str, Any]:
    journey = api.loads(JOURNEY, "desk.journey")
    spec = read_sweep_text(spec_text, journey, "sweep.toml")
    result = run_sweep(journey, spec, Runner(), RunSettings(customers=20, replications=2, workers=1))
    constraints = [parse_constraint(text, result.labels, result.metrics) for text in budget]
    choice = result.best(objective, constraints=constraints) if objective else None
    return result.record(choice)


def test_the_schema_is_a_valid_json_schema_and_is_listed() -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema("sweep.schema.json"))
    assert SCHEMA_FILES[SCHEMA] == "sweep.schema.json"
    assert load_schema("sweep.schema.json")["properties"]["schema"]["const"] == SCHEMA


@pytest.mark.parametrize(
    ("spec_text", "objective", "budget"),
    [
        (GRID, None, ()),
        (GRID, "satisfaction", ()),
        (GRID, "profit", ("cost_per_customer <= 6", 'utilisation of touchpoint "front desk" <= 95%')),
        (LHS, None, ()),
        (LHS, "cost_per_customer", ("cost of advice <= 5",)),
    ],
    ids=["grid", "grid-objective", "grid-budget", "lhs", "lhs-budget"],
)
def test_records_of_grids_and_latin_hypercubes_validate(spec_text: str, objective: str | None, budget: tuple) -> None:
    document = _record(spec_text, objective, budget)
    assert _errors(document) == []
    assert len(document["rows"]) == document["points"] * len(document["metrics"])
    assert len(document["customers"]) == document["points"]
    choice = document["choice"]
    if objective is None:
        assert choice is None
        return
    assert choice["objective"] == objective and choice["budget"] == [
        str(parse_constraint(text, document["settings"], document["metrics"])) for text in budget
    ]
    ranked = [entry["point"] for entry in choice["ranked"]]
    assert not set(ranked) & set(choice["over_budget"])  # a point is ranked or over budget, never both
    assert len(ranked) + choice["infeasible"] == document["points"]
    assert bool(budget) == bool(choice["over_budget"])  # these budgets rule some points out
    assert choice["ranked"][0]["behind"] is None and all(e["behind"] is not None for e in choice["ranked"][1:])


def test_the_commands_json_validates_with_and_without_a_budget(tmp_path: Path) -> None:
    """The documented command, on the bundled example with few customers, with and without --objective/--budget."""
    example = ROOT / "examples" / "journeys" / "premier_banking.journey"
    sweep_file = ROOT / "examples" / "sweeps" / "premier_banking.toml"
    base = [str(example), "--spec", str(sweep_file), "--customers", "40", "-r", "2", "-j", "1"]
    ranked = ["--objective", "profit", "--budget", "cost_per_customer <= 180"]
    for name, more in (("plain.json", []), ("ranked.json", ranked)):
        result = CliRunner().invoke(sweep_command, [*base, *more, "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    plain = json.loads((tmp_path / "plain.json").read_text())
    document = json.loads((tmp_path / "ranked.json").read_text())
    assert _errors(plain) == [] and _errors(document) == []
    assert plain["choice"] is None and plain["source_sha256"].startswith("sha256:")
    assert document["method"] == "grid" and document["points"] == 12 and document["time_unit"] == "minutes"
    assert document["choice"]["budget"] == ["cost_per_customer <= 180"] and document["choice"]["maximize"] is True
    # the ranking is the rows': the best point's profit is the highest among those within the budget
    means = {(row["point"], row["metric"]): row["mean"] for row in document["rows"]}
    within = [p for p in range(1, 13) if means[(p, "cost_per_customer")] <= 180]
    best = document["choice"]["ranked"][0]
    assert best["point"] in within and best["mean"] == max(means[(p, "profit")] for p in within)
    assert document["choice"]["over_budget"] == [p for p in range(1, 13) if p not in within]
    assert plain["rows"] == document["rows"]  # ranking changes nothing measured


def _broken(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Copies of a valid document, each broken in one way a reader would trip over."""
    cases: dict[str, dict[str, Any]] = {}

    def case(name: str) -> dict[str, Any]:
        cases[name] = copy.deepcopy(document)
        return cases[name]

    del case("no rows")["rows"]
    case("another version")["schema"] = "journeydsl.sweep/2"
    case("unknown method")["method"] = "sobol"
    case("an extra field")["best"] = 1
    case("an extra field in a row")["rows"][0]["stderr"] = 0.1
    case("an interval of three numbers")["rows"][0]["ci95"] = [1.0, 2.0, 3.0]
    case("a mean as text")["rows"][0]["mean"] = "7.2"
    case("an unknown metric")["rows"][0]["metric"] = "happiness"
    case("a setting that is not a number")["rows"][0]["settings"] = {"feel of advice": "warm"}
    case("point 0")["rows"][0]["point"] = 0
    case("no settings")["settings"] = []
    case("negative customers")["customers"][0] = -1
    case("no seed")["run"].pop("seed")
    case("a bad hash")["source_sha256"] = "md5:0"
    del case("the ranking without over_budget")["choice"]["over_budget"]
    case("a ranked point without its place")["choice"]["ranked"][0].pop("place")
    case("near_best as text")["choice"]["ranked"][0]["near_best"] = "yes"
    case("a budget that is no bound")["choice"]["budget"] = ["cheap"]
    case("a choice that is a list")["choice"] = []
    return cases


def test_broken_documents_are_refused() -> None:
    document = _record(GRID, "profit", ("cost_per_customer <= 6",))
    assert _errors(document) == []
    accepted = [name for name, broken in _broken(document).items() if VALIDATOR.is_valid(broken)]
    assert accepted == []


def test_the_documents_fields_are_the_ones_docs_scale_md_lists() -> None:
    """The fields table of docs/scale.md names every top-level field of the schema, and no other."""
    text = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    section = text.split("### The JSON document", 1)[1].split("\n#", 1)[0]
    documented = re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.MULTILINE)
    schema = load_schema("sweep.schema.json")
    assert documented == schema["required"]
    assert set(schema["required"]) == set(schema["properties"])
    assert "sweep.schema.json" in section and "journeydsl.sweep/1" in section
