"""Old import path, kept only for impls/native.py's echo_server (owned by another branch until
the lead merges it): `rss` lives in impls/pyrt/memory.py. Delete this file once native.py
imports it from there."""

from impls.pyrt.memory import rss

__all__ = ["rss"]
