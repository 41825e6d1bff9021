"""Old import path, kept only for impls/native.py's echo_server (owned by another branch until
the lead merges it): the helpers live in impls/pyrt/. Delete this file once native.py imports
`impls.pyrt.echo.drive_echo` and `impls.pyrt.fdlimit.raise_fd_limit`."""

from impls.pyrt.echo import drive_echo
from impls.pyrt.fdlimit import raise_fd_limit

__all__ = ["drive_echo", "raise_fd_limit"]
