"""SPEC §1: `bpcli run circuits/neuron.txt` reproduces the guide's figures, and
every producer/consumer pair of slots holds one object."""

from __future__ import annotations

from conftest import NEURON, invoke, run_json
from reference import close

FORWARD_0 = 0.8807970779778823
GRADS = {
    "a": -0.10499358540350662,
    "b": 0.31498075621051985,
    "c": 0.10499358540350662,
    "x": 0.10499358540350662,
    "y": 0.20998717080701323,
}
UPDATED = {
    "a": 0.998950064145965,
    "b": 2.0031498075621053,
    "c": -2.9989500641459648,
    "x": -0.998950064145965,
    "y": 3.00209987170807,
}
FORWARD_1 = 0.8825501816218984


def test_passes_carry_the_spec_figures() -> None:
    doc = run_json(NEURON)
    assert doc["file"].endswith("neuron.txt")
    assert doc["output"] == "s"
    assert doc["step_size"] == 0.01
    phases = [(p["phase"], p["iteration"]) for p in doc["passes"]]
    assert phases == [("forward", 0), ("backward", 0), ("update", 0), ("forward", 1)]
    fwd0, back0, upd0, fwd1 = doc["passes"]
    assert close(fwd0["output_value"], FORWARD_0)
    assert close(fwd0["units"]["s"]["value"], FORWARD_0)
    for name, grad in GRADS.items():
        assert close(back0["units"][name]["grad"], grad), name
    for name, value in UPDATED.items():
        assert close(upd0["units"][name]["value"], value), name
    assert close(fwd1["output_value"], FORWARD_1)


def test_quiet_prints_the_final_output_as_repr() -> None:
    result = invoke("run", "-q", NEURON)
    assert result.exit_code == 0
    assert close(float(result.stdout), FORWARD_1)
    assert result.stdout.strip() == repr(float(result.stdout))


def test_every_producer_consumer_pair_is_one_object() -> None:
    doc = run_json(NEURON)
    pairs = {
        "ax": ["mulg0.utop", "addg0.u0"],
        "by": ["mulg1.utop", "addg0.u1"],
        "ax_p_by": ["addg0.utop", "addg1.u0"],
        "ax_p_by_p_c": ["addg1.utop", "sg0.u0"],
        "s": ["sg0.utop"],
        "a": ["mulg0.u0"],
        "c": ["addg1.u1"],
    }
    for p in doc["passes"]:
        ids = [u["id"] for u in p["units"].values()]
        assert len(set(ids)) == len(ids), "two units share an id within one pass"
        for name, holders in pairs.items():
            assert p["units"][name]["held_by"] == holders, (p["phase"], name)
    # A gate's new utop in forward 1 is a new object; inputs stay the same objects.
    fwd0, _, _, fwd1 = doc["passes"]
    for name in GRADS:
        assert fwd0["units"][name]["id"] == fwd1["units"][name]["id"]
