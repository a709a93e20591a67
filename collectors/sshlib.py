"""asyncssh, imported once without cryptography's DSA deprecation warnings.

cryptography 47 and later warn (a ``UserWarning`` subclass, shown by default) when
asyncssh's type aliases touch its DSA classes at import time: five lines on stderr of
every command that polls over SSH, in logs and under systemd. licdash never offers or
accepts DSA keys, so the warning says nothing to its users; every module imports
asyncssh from here instead.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated", category=UserWarning)
    import asyncssh

__all__ = ["asyncssh"]
