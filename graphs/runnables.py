"""Node wrapping shared by the graphs."""

from __future__ import annotations

import asyncio

from langgraph.utils.runnable import RunnableCallable


def sync_and_async(afunc):
    """An async node plus a sync twin (one event loop per call), so ``invoke``/``stream`` work as well as
    ``ainvoke``/``astream``; parallel branches still run concurrently in both modes."""

    def func(state, runtime):
        return asyncio.run(afunc(state, runtime))

    func.__name__ = afunc.__name__
    return RunnableCallable(func, afunc, name=afunc.__name__)
