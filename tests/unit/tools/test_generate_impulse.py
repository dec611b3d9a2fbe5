"""The generator's `impulse` plant (datagen/plant.py, world.plant_impulse)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers.generated import START, generate_small

from eventlake.errors import InputError
from eventlake.tools.datagen.plant import parse_plant
from eventlake.tools.datagen.world import (
    IDLE,
    IMPULSE_BUY,
    MISSION_BUY,
    RESEARCHING,
    build_world,
    plant_impulse,
)


def test_parse_impulse_plant():
    plant = parse_plant("impulse:from=2026-03-03,country=DE,rate=0.25")
    assert (plant.kind, plant.day, plant.event_type, plant.country, plant.rate) == (
        "impulse",
        date(2026, 3, 3),
        "",
        "DE",
        0.25,
    )


def test_parse_impulse_plant_star_is_every_country():
    assert parse_plant("impulse:from=2026-03-03,country=*,rate=0").country is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("impulse:country=DE,rate=0.2", "takes from, country and rate"),
        ("impulse:from=2026-03-03,rate=0.2", "takes from, country and rate"),
        ("impulse:from=2026-03-03,country=DE", "takes from, country and rate"),
        ("impulse:from=2026-03-03,country=DE,rate=0.2,factor=2", r"unknown: \['factor'\]"),
        ("impulse:from=2026-03-03,country=XX,rate=0.2", r"country must be \* \(every country\)"),
        ("impulse:from=2026-03-03,country=DE,rate=1.5", r"rate must be within \[0, 1\]"),
        ("impulse:from=2026-03-03,country=DE,rate=-0.1", r"rate must be within \[0, 1\]"),
        ("impulse:from=2026-03-03,country=DE,rate=nan", r"rate must be within \[0, 1\]"),
        ("impulse:from=2026-03-03,country=DE,rate=often", "could not convert"),
        ("impulse:from=03/03/2026,country=DE,rate=0.2", "Invalid isoformat"),
        ("impulse:from=2026-03-03,country", "'country' is not key=value"),
        ("impulsive:from=2026-03-03,country=DE,rate=0.2", "propensity or impulse"),
    ],
)
def test_parse_impulse_plant_refuses_bad_specs(spec, message):
    with pytest.raises(InputError, match=message) as caught:
        parse_plant(spec)
    # The message names the spec it refuses and shows a spec that works.
    assert str(caught.value).startswith(f"--plant {spec!r}: ")


def test_parse_impulse_plant_refusal_shows_an_example():
    with pytest.raises(InputError, match=r"e\.g\. impulse:from=2026-01-10,country=\*,rate=0\.2"):
        parse_plant("impulse:from=2026-03-03")


def test_plant_impulse_replaces_one_countrys_missions_from_its_day():
    clean = build_world(11, START, 6, 200)
    world = build_world(11, START, 6, 200)
    changed = plant_impulse(world, "US", 3, 0.3)
    us = {u.idx for u in world.users if u.country == "US"}
    assert changed == len(us) > 0
    for d in range(6):
        for u in world.users:
            if d < 3 or u.idx not in us:
                # the days before the plant and the other countries' users: as without it
                assert world.states[d][u.idx] == clean.states[d][u.idx], (d, u.idx)
                assert world.propensity(u.idx, d) == u.propensity
            else:
                # no research, no mission: idle or an impulse buy; everyday sessions of p = 0
                assert world.states[d][u.idx] in (IDLE, IMPULSE_BUY), (d, u.idx)
                assert world.propensity(u.idx, d) == 0.0
    # Without the plant the US users do research from day 3 on (the plant has work to do).
    assert any(clean.states[d][i] in (RESEARCHING, MISSION_BUY) for d in range(3, 6) for i in us)


@pytest.mark.parametrize(("rate", "state"), [(0.0, IDLE), (1.0, IMPULSE_BUY)])
def test_plant_impulse_rate_0_never_buys_rate_1_always_buys(rate, state):
    world = build_world(11, START, 6, 200)
    assert plant_impulse(world, None, 2, rate) == 200  # None: every country
    for d in range(2, 6):
        for u in world.users:
            signed_up = u.signup_day < 0 or d >= u.signup_day
            assert world.states[d][u.idx] == (state if signed_up else IDLE), (d, u.idx)


def test_plant_impulse_buys_at_its_rate_whatever_the_user_did_before():
    world = build_world(11, START, 30, 400)
    plant_impulse(world, None, 10, 0.3)
    # 400 users x 20 days = 8000 Bernoulli(0.3) draws (less the days before a signup): the
    # share is 0.3 within 4 standard deviations, sqrt(0.3 * 0.7 / 8000) = 0.005.
    days = [
        (world.states[d][u.idx] == IMPULSE_BUY)
        for d in range(10, 30)
        for u in world.users
        if u.signup_day < 0 or d >= u.signup_day
    ]
    assert abs(sum(days) / len(days) - 0.3) < 0.02
    # Buyers and non-buyers of the day before the plant buy after it at the same rate.
    keen = [u.idx for u in world.users if world.states[9][u.idx] != IDLE]
    idle = [u.idx for u in world.users if world.states[9][u.idx] == IDLE and u.signup_day < 0]

    def share(group):
        return sum(world.states[d][i] == IMPULSE_BUY for d in range(10, 30) for i in group) / (
            20 * len(group)
        )

    assert len(keen) >= 30
    assert abs(share(keen) - share(idle)) < 0.05


def test_generate_with_impulse_plant_keeps_earlier_days_byte_for_byte(tmp_path: Path):
    clean = generate_small(tmp_path / "clean")
    planted = generate_small(
        tmp_path / "planted", [parse_plant("impulse:from=2026-03-03,country=*,rate=0.3")]
    )
    assert clean.keys() == planted.keys()
    for name in clean:
        same = clean[name] == planted[name]
        assert same == (name < "dt=2026-03-03"), name


def test_generate_impulse_plant_outside_the_days_is_refused(tmp_path: Path):
    with pytest.raises(InputError, match="impulse: from=2026-04-01 is not one of the generated"):
        generate_small(tmp_path / "x", [parse_plant("impulse:from=2026-04-01,country=US,rate=0.2")])
