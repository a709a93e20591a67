"""licdash's headless core: the snapshot model, parsers, poll engine, store and mock fleet.

Nothing in this package imports ``textual``, ``dashboard`` or ``themes``; a test
proves it in a fresh interpreter.
"""

import sys

__version__ = "0.1.0"

# httpx's package imports its command-line client (``httpx._main``: click, rich and
# pygments: a sixth of collect's import time) only to offer ``httpx.main``, and
# falls back to a stub when that import fails. licdash never runs httpx's CLI: marking
# the module as absent keeps those packages out of every licdash process that has not
# loaded them already (the dashboard still loads rich through textual).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
