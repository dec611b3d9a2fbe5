"""The generator's `propensity` plant (datagen/plant.py, world.plant_propensity)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers.generated import START, generate_small

from eventlake.errors import InputError
from eventlake.tools.datagen.plant import parse_plant
from eventlake.tools.datagen.world import IMPULSE_BUY, MISSION_BUY, build_world, plant_propensity


def test_parse_propensity_plant():
    plant = parse_plant("propensity:from=2026-03-03,country=DE,factor=0.8")
    assert (plant.kind, plant.day, plant.country, plant.factor) == (
        "propensity",
        date(2026, 3, 3),
        "DE",
        0.8,
    )
    assert parse_plant("propensity:from=2026-03-03,country=US").factor == 1.0


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("propensity:country=DE", "takes from, country and factor"),
        ("propensity:from=2026-03-03,country=XX", "country must be one of"),
        ("propensity:from=2026-03-03,country=DE,keep=0.3", "unknown: \\['keep'\\]"),
        ("propensity:from=2026-03-03,country=DE,factor=-1", "factor must be >= 0"),
    ],
)
def test_parse_propensity_plant_refuses_bad_specs(spec, message):
    with pytest.raises(InputError, match=message):
        parse_plant(spec)


def test_plant_propensity_flips_one_country_from_its_day():
    clean = build_world(11, START, 6, 200)
    world = build_world(11, START, 6, 200)
    changed = plant_propensity(world, "US", 3, 1.0)
    us = [u.idx for u in world.users if u.country == "US"]
    assert changed == len(us) > 0
    for u in world.users:
        before = world.propensity(u.idx, 2)
        after = world.propensity(u.idx, 3)
        assert before == u.propensity
        # factor 1: p -> 1 - p for the country's users, nobody else changes
        assert after == pytest.approx(1.0 - u.propensity if u.country == "US" else u.propensity)
    # The days before the plant and the other countries' users keep their buying states.
    for d in range(6):
        for u in world.users:
            if d < 3 or u.country != "US":
                assert world.states[d][u.idx] == clean.states[d][u.idx]
    # Mostly reluctant buyers (propensity mean well below 1/2) become mostly keen ones: the
    # country's buying days go up.
    assert sum(u.propensity for u in world.users if u.country == "US") / len(us) < 0.4

    def buys(w, days):
        return sum(w.states[d][i] in (MISSION_BUY, IMPULSE_BUY) for d in days for i in us)

    assert buys(world, range(3, 6)) > 2 * buys(clean, range(3, 6))


def test_generate_with_propensity_plant_keeps_earlier_days_byte_for_byte(tmp_path: Path):
    clean = generate_small(tmp_path / "clean")
    planted = generate_small(
        tmp_path / "planted", [parse_plant("propensity:from=2026-03-03,country=US")]
    )
    assert clean.keys() == planted.keys()
    for name in clean:
        same = clean[name] == planted[name]
        assert same == (name < "dt=2026-03-03"), name


def test_generate_propensity_plant_outside_the_days_is_refused(tmp_path: Path):
    with pytest.raises(InputError, match="from=2026-04-01 is not one of the generated days"):
        generate_small(tmp_path / "x", [parse_plant("propensity:from=2026-04-01,country=US")])
