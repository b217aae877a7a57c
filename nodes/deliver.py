"""``deliver``: the executor's last node. The task's domain decides what the run delivers (its deliverable rule,
sale/core/deliverable.py), so the CLI, the server, Studio, Python callers and the bench all get the same answer.
No answer is a failure: the status says so, never ``answered``."""

from __future__ import annotations

from langgraph.runtime import Runtime

from graphs.context import AuctionContext
from graphs.live import domain_of
from graphs.state import ExecutorState

NO_ANSWER = "no_answer"


def deliver(state: ExecutorState, runtime: Runtime[AuctionContext]) -> dict:
    domain = domain_of(runtime.context, state["task"], state.get("domain"))
    own = [s for s in state.get("steps") or [] if s.get("agent") in (None, state.get("agent"))]
    delivery = domain.deliver(state["task"], state.get("answer") or "", own)
    update: dict = {"answer": delivery.answer, "answer_source": delivery.source, "final_reply": state.get("answer")
                    or ""}
    if delivery.source == "none" and state.get("status") != "failed":
        update |= {"status": NO_ANSWER, "error": f"no answer: {delivery.reason}"}
    return update
