"""Tools the executor calls (web search, sandboxed Python): see the executor issue."""
