"""``docs/licdash.1``, generated from the argument parser by argparse-manpage.

Regenerate after changing any option or help text::

    .venv/bin/python -m collectors.manpage > docs/licdash.1

``tests/test_manpage.py`` regenerates it and fails when the committed page differs, so the
man page cannot drift from ``--help``. The page has no build date (it would change every
day): the version stands in the header instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

WIDTH = 80

SEE_ALSO = """\
.SH EXIT STATUS
Each command documents its exit codes in its \\fB\\-\\-help\\fR; the README has one table of all.
\\fBlicdash status\\fR follows the monitoring\\-plugin convention: 0 OK, 1 WARNING, 2 CRITICAL,
3 UNKNOWN.
.SH ENVIRONMENT
.TP
\\fBLICDASH_CONFIG\\fR
config file used when \\fB\\-\\-config\\fR is not given
.TP
\\fBLICDASH_STORE\\fR
store directory used when \\fB\\-\\-store\\fR is not given
.TP
\\fBNO_COLOR\\fR
no colour in \\fBlicdash status\\fR tables
.SH SEE ALSO
docs/monitoring.md, docs/architecture.md in the licdash sources;
\\fBlicdash completion\\fR for bash, zsh and fish completion.
"""


def router_parser() -> argparse.ArgumentParser:
    """The router's parser with every sub-command's options loaded."""
    from collectors.cli import full_parser

    return full_parser()


@contextmanager
def _fixed_width() -> Iterator[None]:
    """argparse wraps help to the terminal (``$COLUMNS``): the page must not depend on it."""
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


def render(parser: argparse.ArgumentParser | None = None) -> str:
    from argparse_manpage.manpage import Manpage

    from collectors import __version__

    with _fixed_width():
        parser = parser or router_parser()
        page = Manpage(parser)
        page.date = f"licdash {__version__}"
        page.source = f"licdash {__version__}"
        page.manual = "licdash manual"
        page.description = "watch Cisco Smart Licensing across many CUCM clusters"
        text = str(page)
    return text.rstrip("\n") + "\n" + SEE_ALSO


if __name__ == "__main__":
    sys.stdout.write(render())
