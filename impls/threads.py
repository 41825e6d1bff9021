"""Old import path, kept only for suite/tests/backends/altered.py (not this change's file): the
threading backend is the package impls/threading/. Delete this file once altered.py imports
`from impls.threading import ThreadingBackend`."""

from impls.threading import ThreadingBackend

__all__ = ["ThreadingBackend"]
