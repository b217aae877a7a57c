"""Jury signals: the paper's integer, the expected score from the score token's probabilities, and the
pass/fail verdict's probability; through the loopback stub so the real client reads real logprobs JSON."""

import math

import pytest

from graphs.auction import graph
from graphs.context import AuctionContext, Live
from nodes.jury import expected_score, pass_probability, reply_score
from sale.core.cost import check_jury_signal
from tests.openai_stub import Behaviour, StubServer, stub_pool


def llama_logprobs(tokens: list[str], at: int, alternatives: dict[str, float]) -> list[dict]:
    """Token entries shaped like llama.cpp's: token ``at`` carries ``alternatives`` (token -> probability)."""
    out = []
    for i, token in enumerate(tokens):
        tops = ({t: p for t, p in alternatives.items()} if i == at else {token: 1.0})
        out.append({"token": token, "logprob": math.log(tops.get(token, 1.0)),
                    "top_logprobs": [{"token": t, "logprob": math.log(p)} for t, p in tops.items()]})
    return out


SCORE_TOKENS = ['{"', "score", '":', " ", "5", "}"]


def test_expected_score_is_the_mean_over_the_digits_at_the_score_token():
    lp = llama_logprobs(SCORE_TOKENS, 4, {"5": 0.4, "4": 0.3, "3": 0.2, "```": 0.05, "6": 0.05})
    assert expected_score(lp, 5) == pytest.approx((5 * 0.4 + 4 * 0.3 + 3 * 0.2) / 0.9, abs=1e-4)


def test_expected_score_reads_a_digit_glued_to_a_space_and_skips_digits_in_a_reason():
    tokens = ['{"', "reason", '":', ' "', "rated", " 0", " to", " 5", '",', ' "', "score", '":', " 2", "}"]
    lp = llama_logprobs(tokens, 12, {" 2": 0.5, " 1": 0.5})
    assert expected_score(lp, 2) == 1.5


def test_a_score_token_glued_to_the_brace_still_counts():
    lp = llama_logprobs(['{"score": ', "5}"], 1, {"5}": 0.5, "4}": 0.25, "3": 0.25})
    assert expected_score(lp, 5) == pytest.approx(4.25)


@pytest.mark.parametrize("logprobs", [
    [{"token": None}],
    [{"token": '{"score": '}, {"token": "5", "logprob": -0.1, "top_logprobs": [None, {"token": None}]}],
    [{"token": '{"score": '}, {"token": "5", "logprob": -0.1, "top_logprobs": {"5": -0.1}}],
    [{"token": '{"score": '}, "5"],
])
def test_malformed_logprobs_fall_back_to_the_written_score(logprobs):
    assert reply_score('{"score": 5}', logprobs, "expected", False) in (5.0, 5)


def test_logprobs_that_contradict_the_reply_are_not_used():
    lp = llama_logprobs(SCORE_TOKENS, 4, {"5": 0.5, "1": 0.5})  # the tokens spell 5
    assert expected_score(lp, 3) is None
    assert reply_score('{"score": 3}', lp, "expected", False) == 3.0
    assert reply_score('{"score": 1, "score": 5}', lp, "expected", False) is None  # duplicate keys are invalid
    assert reply_score('{"score": 1, "score": 5}', lp, "integer", False) is None


@pytest.mark.parametrize("logprobs", [None, [], llama_logprobs(["4"], 0, {"4": 1.0})])
def test_no_score_token_means_no_expected_score(logprobs):
    assert expected_score(logprobs, 4) is None


def test_pass_probability_and_the_fallbacks():
    lp = llama_logprobs(['{"', "pass", '":', " true", "}"], 3, {" true": 0.3, " false": 0.6, " maybe": 0.1})
    assert pass_probability(lp, True) == pytest.approx(1 / 3, abs=1e-4)
    assert reply_score('{"pass": true}', lp, "verdict", False) == pytest.approx(5 / 3, abs=1e-3)
    assert reply_score('{"pass": true}', None, "verdict", False) == 5.0
    assert reply_score('{"pass": false}', None, "verdict", False) == 0.0
    assert reply_score('{"pass": "yes"}', lp, "verdict", False) is None  # invalid stays invalid
    score_lp = llama_logprobs(SCORE_TOKENS, 4, {"5": 0.5, "1": 0.5})
    assert reply_score('{"score": 5}', score_lp, "integer", False) == 5
    assert reply_score('{"score": 5}', score_lp, "expected", False) == 3.0
    assert reply_score('{"score": 5}', None, "expected", False) == 5.0
    assert reply_score('{"score": 9}', score_lp, "expected", False) is None


def test_bad_settings_are_one_clear_error():
    with pytest.raises(ValueError, match="unknown jury_signal 'vibes'"):
        check_jury_signal("vibes", False)
    with pytest.raises(ValueError, match="needs jury_batch off"):
        check_jury_signal("expected", True)
    check_jury_signal("integer", True)


def confident(body: dict, text: str) -> list[dict]:
    """A juror that writes 5 for every plan but is only sure of the one mentioning Python."""
    plan = body["messages"][1]["content"]
    sure = "Python" in plan
    if '"pass"' in text:
        tokens, at = ['{"', "pass", '":', " true", "}"], 3
        alts = {" true": 0.9, " false": 0.1} if sure else {" true": 0.4, " false": 0.6}
    else:
        tokens, at = SCORE_TOKENS, 4
        alts = {"5": 0.9, "4": 0.1} if sure else {"5": 0.3, "2": 0.4, "1": 0.3}
    return llama_logprobs(tokens, at, alts)


@pytest.mark.parametrize(("signal", "reply", "sure", "unsure"), [
    ("integer", '{"score": 5}', 5, 5),
    ("expected", '{"score": 5}', 4.9, 0.3 * 5 + 0.4 * 2 + 0.3 * 1),
    ("verdict", '{"pass": true}', 4.5, 2.0),
])
async def test_the_auction_records_the_signal_it_was_asked_for(memory, signal, reply, sure, unsure):
    agents = {"small": Behaviour(bid="Guess the answer.", jury=reply, jury_logprobs=confident),
              "big": Behaviour(bid="Compute it with Python, then check.", jury=reply, jury_logprobs=confident)}
    with StubServer(agents) as stub:
        ctx = AuctionContext(live=Live(pool=stub_pool(stub, {"small": 0.05, "big": 0.36}), memory=memory),
                             jury_signal=signal, refine=False, route_only=True)
        result = (await graph.ainvoke({"task": "What is 17 * 23?"}, context=ctx))["result"]
        asked = [c for c in stub.calls("big", "jury")]
    bids = {b["agent"]: b for b in result["bids"]}
    assert bids["big"]["jury"] == {"small": pytest.approx(sure), "big": pytest.approx(sure)}
    assert bids["small"]["jury"] == {"small": pytest.approx(unsure), "big": pytest.approx(unsure)}
    assert all(bool(c.get("logprobs")) == (signal != "integer") for c in asked)
    assert all(("pass" in c["response_format"]["json_schema"]["schema"]["properties"]) == (signal == "verdict")
               for c in asked)
    # only the weighted signals see the difference the juror felt; with the integer the cheaper bid wins the tie
    assert result["winner"] == ("small" if signal == "integer" else "big")


async def test_without_logprobs_the_weighted_jury_falls_back_to_the_written_score(memory):
    agents = {a: Behaviour(jury='{"score": 3}', fault="no_logprobs") for a in ("small", "big")}
    with StubServer(agents) as stub:
        ctx = AuctionContext(live=Live(pool=stub_pool(stub, {"small": 0.05, "big": 0.36}), memory=memory),
                             jury_signal="expected", refine=False, route_only=True)
        result = (await graph.ainvoke({"task": "What is 17 * 23?"}, context=ctx))["result"]
    assert all(s == 3.0 for b in result["bids"] for s in b["jury"].values())
