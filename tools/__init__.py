"""Tools the executor calls: web search (ddgs or offline BM25) and the sandboxed Python tool."""
