"""What Python has for §5: no race detector for Python code."""

from __future__ import annotations

NO_RACE_DETECTOR = ("Python has no race detector for Python code (ThreadSanitizer sees only the "
                    "interpreter's C code, whose data races the GIL prevents)")
