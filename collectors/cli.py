"""The ``licdash`` command: a thin router over sub-command modules.

The router lives in the headless package so that ``licdash status`` or ``licdash
collect`` never loads a dashboard module: only the chosen sub-command's module is
imported. The headless sub-commands live in ``collectors.commands`` (and
``collectors.mock``); ``demo`` and ``dash`` are the dashboard's launchers, named here
only as module paths and imported when chosen, so a machine without the UI still runs
every headless command and gets a clear message for the UI ones. Each module exposes
``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, Protocol, cast

from collectors import __version__


class _Command(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("dashboard.launch_demo", "open the dashboard on the built-in mock fleet (default)"),
    "dash": ("dashboard.launch_dash", "open the dashboard on your clusters or on a store"),
    "serve": ("dashboard.launch_serve", "serve the dashboard to web browsers (textual-serve)"),
    "collect": ("collectors.commands.collect_cmd", "poll clusters headless into the store"),
    "status": ("collectors.commands.status_cmd", "one-shot fleet summary for scripts"),
    "export": ("collectors.commands.export_cmd", "export snapshots as json, jsonl or csv"),
    "ack": ("collectors.commands.ack_cmd", "acknowledge or snooze a cluster's problem"),
    "unack": ("collectors.commands.unack_cmd", "remove a cluster's acknowledgements"),
    "acks": ("collectors.commands.acks_cmd", "list acknowledgements and snoozes in force"),
    "handover": ("collectors.commands.handover_cmd", "shift handover report (markdown or json)"),
    "parse": ("collectors.commands.parse_cmd", "parse a saved answer or capture to JSON"),
    "config": ("collectors.commands.config_cmd", "validate a config and test connections"),
    "mock": ("collectors.mock.cli", "run a simulated fleet of publishers"),
    "completion": (
        "collectors.commands.completion_cmd",
        "print a shell completion script (bash, zsh or fish)",
    ),
}

# The top-level packages the dashboard commands need beyond the headless core.
UI_PACKAGES = frozenset({"dashboard", "themes", "textual", "textual_serve"})
# Exit status when the dashboard cannot be loaded (a usage-level problem, as for `dash`'s
# own start-up errors).
UI_MISSING_EXIT = 2


class UiMissingError(Exception):
    """A dashboard command was chosen but a package it needs is not importable."""

    def __init__(self, command: str, missing: str) -> None:
        super().__init__(command, missing)
        self.command = command
        self.missing = missing

    def explain(self) -> str:
        return (
            f"licdash: `licdash {self.command}` needs the dashboard, but the package "
            f"{self.missing!r} is not installed\n"
            "  hint: reinstall licdash with its dependencies (pip install licdash); the "
            "headless commands (collect, status, export, parse, config, mock) work without it"
        )


def _ui_module_missing(exc: ImportError) -> str | None:
    """The UI package ``exc`` says is not installed, if it says so."""
    if not isinstance(exc, ModuleNotFoundError):
        return None
    package = (exc.name or "").split(".")[0]
    return package if package in UI_PACKAGES else None


def _is_ui_command(module: str) -> bool:
    return module.split(".")[0] in UI_PACKAGES


def _load(module: str, command: str) -> _Command:
    try:
        return cast(_Command, importlib.import_module(module))
    except ImportError as exc:
        missing = _ui_module_missing(exc)
        if missing is None or not _is_ui_command(module):
            raise
        raise UiMissingError(command, missing) from exc


def build_parser(only: str | None = None, *, every: bool = False) -> argparse.ArgumentParser:
    """The parser, with the arguments of the ``only`` sub-command (other ones are stubs).

    Loading just the chosen command's module keeps start-up fast, keeps the dashboard out
    of headless commands and means a broken optional module cannot stop an unrelated
    command from running. The top-level help needs no sub-command module at all.
    ``every`` loads them all (completion scripts and the man page describe everything).
    """
    parser = argparse.ArgumentParser(
        prog="licdash",
        description="Watch Cisco Smart Licensing across many CUCM clusters.",
        epilog="With no command, licdash opens the dashboard on the built-in demo fleet.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"licdash {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if every or only == name:
            _load(module, name).add_arguments(sp)
        sp.set_defaults(_module=module)
    from collectors.cli_help import normalise

    return normalise(parser)


def full_parser() -> argparse.ArgumentParser:
    """Every sub-command with all its options."""
    return build_parser(every=True)


GC_THRESHOLD = (50_000, 20, 100)
"""The collector's young generation holds one poll's objects per cluster in flight and a
reader validates one model per record: with CPython's default of 700 allocations the
collector spent a tenth of its CPU (and ``status`` at 10,000 clusters a third) tracing
objects that were never garbage. The oldest generation stays guarded by CPython's own
rule (a full pass only when a quarter of the long-lived objects is new)."""


def main(argv: Sequence[str] | None = None) -> int:
    gc.set_threshold(*GC_THRESHOLD)
    try:
        return _dispatch(list(sys.argv[1:] if argv is None else argv))
    except UiMissingError as exc:
        print(exc.explain(), file=sys.stderr)
        return UI_MISSING_EXIT
    except KeyboardInterrupt:
        return 130


def _dispatch(args_list: list[str]) -> int:
    if not args_list or (
        args_list[0].startswith("-") and args_list[0] not in ("-h", "--help", "-V", "--version")
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
            status = cast(Any, _load(COMMANDS["status"][0], "status"))
            return int(status.on_usage_error(args_list[1:]))
        raise
    args._build_parser = full_parser  # for `completion`, which needs the whole parser
    command = _load(args._module, args.command)
    try:
        return command.run(args)
    except ImportError as exc:
        # The launchers import the UI inside run(): a missing UI package shows up here.
        missing = _ui_module_missing(exc)
        if missing is None or not _is_ui_command(args._module):
            raise
        raise UiMissingError(args.command, missing) from exc


def console() -> NoReturn:
    """The ``licdash`` executable: :func:`main`, then exit with its code.

    A one-shot command whose module sets ``EXIT_WITHOUT_TEARDOWN`` (it has printed its
    answer and holds nothing that needs closing) leaves without the interpreter's
    teardown, which frees the heap object by object: ``status`` at 10,000 clusters spent
    0.6 s of its 2.6 s freeing the statuses it had printed (``bench/bench_store.py``).
    Its output and log handlers are flushed first."""
    code = main()
    argv = sys.argv[1:]
    module = sys.modules.get(COMMANDS[argv[0]][0]) if argv and argv[0] in COMMANDS else None
    if getattr(module, "EXIT_WITHOUT_TEARDOWN", False):
        exit_now(code)
    sys.exit(code)


def exit_now(code: int) -> NoReturn:
    """Flush what the process wrote, then end it without tearing the interpreter down."""
    import contextlib
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that left, a closed stream
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()
