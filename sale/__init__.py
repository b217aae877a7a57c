"""SALE machinery: pool configuration, cost and entropy maths, model calls, local servers and the CLI."""

__version__ = "0.1.0"
