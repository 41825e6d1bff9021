"""A benchmark and conformance suite for the claims of a goroutine article."""

__version__ = "0.1.0"
