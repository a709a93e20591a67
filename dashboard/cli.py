"""The ``licdash`` command: a thin router over sub-command modules.

Headless sub-commands live in ``collectors.commands`` (and ``collectors.mock``) so a
server that only collects never loads Textual; the dashboard ones live here. Each
module exposes ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Protocol, cast

from collectors import __version__


class _Command(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("dashboard.launch_demo", "open the dashboard on the built-in mock fleet (default)"),
    "dash": ("dashboard.launch_dash", "open the dashboard on your clusters or on a store"),
    "collect": ("collectors.commands.collect_cmd", "poll clusters headless into the store"),
    "status": ("collectors.commands.status_cmd", "one-shot fleet summary for scripts"),
    "export": ("collectors.commands.export_cmd", "export snapshots as json, jsonl or csv"),
    "parse": ("collectors.commands.parse_cmd", "parse a saved AXL or CLI answer to JSON"),
    "config": ("collectors.commands.config_cmd", "validate a config and test connections"),
    "mock": ("collectors.mock.cli", "run a simulated fleet of CUCM publishers"),
}


def _load(module: str) -> _Command:
    return cast(_Command, importlib.import_module(module))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or with ``only`` set, one whose other sub-commands are stubs.

    Loading just the chosen command's module keeps start-up fast and means a broken
    optional module cannot stop an unrelated command from running.
    """
    parser = argparse.ArgumentParser(
        prog="licdash",
        description="Watch Cisco Smart Licensing across many CUCM clusters.",
        epilog="With no command, licdash opens the dashboard on the built-in demo fleet.",
    )
    parser.add_argument("--version", action="version", version=f"licdash {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or only == name:
            _load(module).add_arguments(sp)
        sp.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (
        args_list[0].startswith("-") and args_list[0] not in ("-h", "--help", "--version")
    ):
        # `licdash --theme light` means the default command with that option.
        args_list = ["demo", *args_list]
    chosen = args_list[0] if args_list[0] in COMMANDS else None
    try:
        args = build_parser(chosen).parse_args(args_list)
    except SystemExit as exc:
        # `status` is a monitoring check: a usage error must read as UNKNOWN (3), not
        # as argparse's 2, which a monitor would take for CRITICAL.
        if chosen == "status" and exc.code == 2:
            return 3
        raise
    try:
        return _load(args._module).run(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
