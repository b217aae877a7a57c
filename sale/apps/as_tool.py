"""The auction as a LangChain tool, so another agent can delegate a task to the pool."""

from __future__ import annotations

import json

from langchain_core.tools import BaseTool, tool

from graphs.context import AuctionContext


def auction_tool(context: AuctionContext, name: str = "strategy_auction") -> BaseTool:
    """A tool that runs a full auction (bid, jury, refine, execute) and returns the winner and its answer."""
    from graphs.auction import graph

    @tool(name)
    async def strategy_auction(task: str) -> str:
        """Solve a self-contained task by auctioning it to the cheapest agent in the pool that can do it.
        Returns JSON with the winning agent and its answer."""
        result = (await graph.ainvoke({"task": task}, context=context))["result"]
        return json.dumps({"winner": result["winner"], "answer": result["answer"], "status": result["status"],
                           "auction_id": result["auction_id"]})

    return strategy_auction
