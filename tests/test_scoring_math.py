"""Entropy, cost and value formulas, and strict jury parsing (F10, A4, A7)."""

import math

import pytest

from nodes.jury import parse_score
from sale.core.cost import Weights, bid_cost, bid_value, usd
from sale.core.entropy import plan_entropy, token_entropy
from tests.scripted import expected_entropy, synthetic_logprobs


def test_uniform_top_k_has_entropy_ln_k():
    assert token_entropy([math.log(0.25)] * 4) == pytest.approx(math.log(4))


def test_renormalisation_over_returned_candidates():
    # Two candidates holding 0.2 and 0.2 of the mass renormalise to 0.5/0.5 -> ln 2.
    assert token_entropy([math.log(0.2), math.log(0.2)]) == pytest.approx(math.log(2))


def test_plan_entropy_is_mean_over_tokens():
    content = synthetic_logprobs("a b c", top_k=5, spread=1.0) + synthetic_logprobs("d", top_k=5, spread=3.0)
    expected = (3 * expected_entropy(5, 1.0) + expected_entropy(5, 3.0)) / 4
    result = plan_entropy(content)
    assert result.value == pytest.approx(expected) and not result.missing and result.tokens == 4


@pytest.mark.parametrize("content", [None, [], [{"token": "x", "logprob": -0.1, "top_logprobs": []}]])
def test_missing_logprobs_are_flagged_and_never_raise_value(content):
    result = plan_entropy(content)
    assert result.missing and result.value == 0.0
    present = plan_entropy(synthetic_logprobs("some plan text", spread=5.0))
    assert present.value >= result.value


def test_cost_value_and_usd():
    w = Weights(cost=0.5, entropy=2.0, jury=1.0)
    assert bid_cost(w, 0.36, 100) == pytest.approx(18.0)
    assert bid_value(w, 0.5, {"a": 4, "b": 2}, ["a", "b"]) == pytest.approx(1.0 + 3.0)
    w2 = Weights(jurors={"a": 0.9})
    assert bid_value(w2, 0.0, {"a": 5, "b": 0}, ["a", "b"]) == pytest.approx(4.5)
    assert usd(0.36, 1_000_000) == pytest.approx(0.36)


def test_weights_file(tmp_path):
    path = tmp_path / "w.json"
    path.write_text('{"weights": {"cost": 0.2, "entropy": 0.5, "jury": 2, "juror:big": 1.5}}')
    w = Weights.from_file(path)
    assert (w.cost, w.entropy, w.jury, dict(w.jurors)) == (0.2, 0.5, 2.0, {"big": 1.5})
    path.write_text('{"weights": {"cost": "high"}}')
    with pytest.raises(ValueError, match="not a finite number"):
        Weights.from_file(path)
    path.write_text('{"weights": {"speed": 1}}')
    with pytest.raises(ValueError, match="unknown weight"):
        Weights.from_file(path)


@pytest.mark.parametrize(("reply", "score"), [("3", 3), (" 0 ", 0), ('{"score": 5}', 5), ('{ "score" : 2 }', 2)])
def test_valid_jury_replies(reply, score):
    assert parse_score(reply) == score


@pytest.mark.parametrize(
    "reply",
    ["5/5", "4.5", "six", "", "7", "-1", '{"score": 4} because it is good', "4" * 10_000, '{"score": 4.0}',
     '{"score": true}', '{"score": 3, "note": "x"}', '{"score": "4"}', "[4]", "Score: 4", "4\n5"],
)
def test_malformed_jury_replies_are_never_scores(reply):
    assert parse_score(reply) is None


def test_reasoned_jury_replies_are_parsed_as_strictly():
    assert parse_score('{"reason": "plans a search per hop", "score": 4}', with_reason=True) == 4
    assert parse_score('{"score": 2, "reason": "vague"}', with_reason=True) == 2
    assert parse_score('{"reason": "x", "score": 4}') is None  # reasons only when asked for
    for bad in ['{"reason": 5, "score": 4}', '{"reason": "x", "score": 6}', '{"reason": "x"}',
                '{"reason": "x", "score": 4, "extra": 1}', '{"reason": "' + "y" * 700 + '", "score": 3}',
                '{"reason": "x", "score": 4} trailing']:
        assert parse_score(bad, with_reason=True) is None, bad


def test_robust_jury_modes():
    w = Weights(entropy=0.0, jury=1.0)
    jury = {"self": 5, "a": 1, "b": 2, "c": 3}
    jurors = list(jury)
    assert bid_value(w, 0, jury, jurors) == pytest.approx(11 / 4)
    assert bid_value(w, 0, jury, jurors, mode="peer", bidder="self") == pytest.approx(2.0)
    assert bid_value(w, 0, jury, jurors, mode="median") == pytest.approx(2.5)
    assert bid_value(w, 0, jury, jurors, mode="trimmed") == pytest.approx(2.5)
    with pytest.raises(ValueError, match="unknown jury mode"):
        bid_value(w, 0, jury, jurors, mode="vote")


def test_juror_weight_cap_and_entropy_clipping():
    from sale.core.cost import capped_shares

    shares = capped_shares({"a": 8.0, "b": 1.0, "c": 1.0}, 0.5)
    assert shares["a"] == pytest.approx(0.5) and shares["b"] == pytest.approx(0.25)
    assert sum(shares.values()) == pytest.approx(1.0)
    w = Weights(entropy=1.0, jury=0.0)
    assert bid_value(w, 9.0, {}, [], entropy_range=(0.0, 1.6)) == pytest.approx(1.6)
    heavy = Weights(entropy=0.0, jury=1.0, jurors={"a": 8.0, "b": 1.0, "c": 1.0})
    capped = bid_value(heavy, 0, {"a": 5, "b": 0, "c": 0}, ["a", "b", "c"], weight_cap=0.5)
    assert capped == pytest.approx(10.0 * 0.5 * 5)  # total weight 10, a's share capped at 0.5


def test_consensus_mode_drops_the_juror_furthest_from_its_peers():
    from sale.core.cost import consensus_outliers

    honest = {"b1": {"a": 4, "b": 4, "c": 3, "liar": 0}, "b2": {"a": 1, "b": 2, "c": 1, "liar": 5},
              "b3": {"a": 3, "b": 3, "c": 4, "liar": 0}}
    assert consensus_outliers(honest, ["a", "b", "c", "liar"]) == {"liar": pytest.approx(3.667, abs=1e-3)}
    close = {"b1": {"a": 4, "b": 3, "c": 3, "d": 4}, "b2": {"a": 1, "b": 2, "c": 1, "d": 2}}
    assert consensus_outliers(close, ["a", "b", "c", "d"]) == {}
    assert consensus_outliers(honest, ["a", "b", "liar"]) == {}, "never fewer than three jurors"
    w = Weights(entropy=0.0, jury=1.0)
    assert bid_value(w, 0, {"self": 5, "a": 1, "b": 3}, ["self", "a", "b"], mode="consensus",
                     bidder="self") == pytest.approx(2.0)


def test_batched_jury_replies_are_parsed_strictly():
    from nodes.jury import parse_scores

    assert parse_scores('{"scores": [0, 5, 3]}', 3) == [0, 5, 3]
    for bad in ('{"scores": [0, 5]}', '{"scores": [0, 5, 6]}', '{"scores": [1, 2, 3.0]}', '{"scores": [1, true, 2]}',
                '{"scores": [1, 2, 3], "x": 1}', "[1, 2, 3]", '{"scores": "1,2,3"}', "", "1 2 3",
                '{"scores": [1, 2, 3]} thanks'):
        assert parse_scores(bad, 3) is None, bad


def test_unreliable_jurors_are_those_whose_scores_run_against_their_peers():
    import random

    from sale.core.cost import unreliable_jurors

    rng = random.Random(3)
    history = []
    for _ in range(30):
        quality = rng.randint(0, 5)
        honest = {j: min(5, max(0, quality + rng.choice((-1, 0, 0, 1)))) for j in ("a", "b", "c")}
        history.append({**honest, "flip": 5 - quality, "flat": 3})
    jurors = ["a", "b", "c", "flip", "flat"]
    found = unreliable_jurors(history, jurors)
    assert set(found) == {"flip"} and found["flip"] < -0.5  # the constant juror is not judged
    assert unreliable_jurors(history[:19], jurors) == {}  # fewer than 20 bids: no verdict
    split = [{**h, "flip2": h["flip"]} for h in history]
    assert unreliable_jurors(split, ["a", "b", "flip", "flip2"]) == {}  # half the jury or more: cannot tell
