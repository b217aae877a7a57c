"""Auction wiring: state, runtime context, the auction graph and the executor subgraph."""
