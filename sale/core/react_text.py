"""A tolerant parser for the text ReAct protocol (Thought / Action / Action Input / Final Answer).

Small models drift from the format, so the parser accepts what they actually write: any letter case, bold
markers, ``Action: search[query]`` or ``Action: python`` followed by a code block, a bare Python code block with
no ``Action`` line, and prose with no markers at all (taken as the final answer, flagged
``structured=False`` so the executor can ask once for the format before accepting it). When both an action and a
final answer appear, whichever comes first wins: a model that writes an action and then imagines its
observation and answer has not seen a real observation yet. A code block under ``Action: search`` is code to run,
not a query: it becomes a ``python`` action. A domain's own tools parse the same way: their input is the text
after ``Action Input:`` (taken out of any code block).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

TOOLS = ("python", "search")
TEXT_STOP = ["\nObservation:", "\nObservation :"]
"""Stop sequences: the model must not write the observation itself."""
_BOLD = re.compile(r"[*_]{2}\s*((?:thought|action\s*input|action|final\s*answer|observation)\s*[:：]?)\s*[*_]{2}",
                   re.IGNORECASE)
_FINAL = re.compile(r"^\s*final\s*answer\s*[:：]\s*", re.IGNORECASE | re.MULTILINE)
_ACTION = re.compile(r"^\s*action\s*[:：]\s*([a-z_]+)\s*(?:\[(.*?)\])?\s*$", re.IGNORECASE | re.MULTILINE)
_INPUT = re.compile(r"^\s*action\s*input\s*[:：]\s*", re.IGNORECASE | re.MULTILINE)
_FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)(?:```|$)", re.DOTALL | re.IGNORECASE)
_ANY_FENCE = re.compile(r"```[\w+\-]*[ \t]*\n(.*?)(?:```|$)", re.DOTALL)
_OBSERVATION = re.compile(r"^\s*observation\s*[:：]", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Parsed:
    action: str | None = None
    action_input: str = ""
    final_answer: str | None = None
    structured: bool = True
    """False when the reply had no Action, Final Answer or code block: prose taken as the answer."""


def parse_reply(text: str, tools: tuple[str, ...] = TOOLS) -> Parsed:
    """``tools``: the action names recognised (the shipped ones always are, so a call to a tool the task's
    domain lacks gets the executor's "not available" observation)."""
    clean = _BOLD.sub(r"\1", text)
    final = _FINAL.search(clean)
    action = _ACTION.search(clean)
    names = {t.lower(): t for t in tools}
    if action and action.group(1).lower() in names and (final is None or action.start() < final.start()):
        name = names[action.group(1).lower()]
        if name == "search" and not action.group(2):
            fence = _FENCE.search(_action_region(clean, action))
            if fence and fence.group(1).strip():
                return Parsed(action="python", action_input=fence.group(1).strip())  # code is not a query
        return Parsed(action=name, action_input=_action_input(clean, action, name))
    if final is not None:
        return Parsed(final_answer=clean[final.end():].strip())
    fence = _FENCE.search(clean)
    if fence and fence.group(1).strip():
        return Parsed(action="python", action_input=fence.group(1).strip())
    return Parsed(final_answer=clean.strip(), structured=False)


def _action_region(text: str, action: re.Match) -> str:
    rest = text[action.end():]
    stop = _OBSERVATION.search(rest) or _FINAL.search(rest)
    return rest[:stop.start()] if stop else rest


def _action_input(text: str, action: re.Match, name: str) -> str:
    if action.group(2):
        return action.group(2).strip()
    rest = _action_region(text, action)
    marker = _INPUT.search(rest)
    body = rest[marker.end():] if marker else rest
    fence = (_FENCE if name in TOOLS else _ANY_FENCE).search(body)
    if fence:
        return fence.group(1).strip()
    body = body.strip()
    if name == "search":
        body = body.splitlines()[0].strip() if body else ""
        return body.strip("\"'`")
    return body


_JSON_CALL = re.compile(r"^\s*(?:```(?:json)?\s*\n)?(\{.*?\})\s*(?:```|$)", re.DOTALL | re.IGNORECASE)


def inline_tool_call(text: str, offered: tuple[str, ...] | list[str]) -> tuple[str, dict] | None:
    """A native-protocol tool call the server did not parse: Qwen2.5 served by llama.cpp often writes
    ``{"name": ..., "arguments": {...}}`` as the reply's content (fenced as ```json) instead of the tagged form
    the chat template's parser knows. Accepted only when that object opens the reply and names an offered tool."""
    match = _JSON_CALL.match(text)
    if match is None:
        return None
    try:
        obj = json.loads(match.group(1))
    except (json.JSONDecodeError, ValueError):
        return None
    if not isinstance(obj, dict) or set(obj) != {"name", "arguments"} or obj["name"] not in offered:
        return None
    return (obj["name"], obj["arguments"]) if isinstance(obj["arguments"], dict) else None
