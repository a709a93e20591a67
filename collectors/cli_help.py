"""One way to write ``--help`` for every ``licdash`` command (standard library only).

The router calls :func:`normalise` on the finished parser: every parser gets
:class:`HelpFormatter` (descriptions and epilogs kept as written, every option's default
shown), and ``--config`` / ``--store`` describe their default the same way everywhere,
whatever the sub-command module wrote.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from typing import Any, Final

CONFIG_DEFAULT: Final = "$LICDASH_CONFIG, else the platform config file; `licdash config path`"
STORE_DEFAULT: Final = "$LICDASH_STORE, else the platform data directory"
_DEFAULT_TEXT: Final = re.compile(r"[\s;,]*\(?\s*default:[^)]*\)?", re.IGNORECASE)
_BARE_DEFAULT: Final = re.compile(r"\(default (?=\S)")
_UNIFORM: Final = {
    "--config": ("config file", CONFIG_DEFAULT),
    "--store": ("store directory", STORE_DEFAULT),
}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs as written; an option whose help does not state its
    default gets ``(default: X)`` when it has a real one (not None, False or empty)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.help == argparse.SUPPRESS or "default" in text.lower():
            return action.help
        default = action.default
        empty = isinstance(default, list | tuple) and not default
        if not action.option_strings or default is None or default is False or empty:
            return action.help
        if default == argparse.SUPPRESS:
            return action.help
        if isinstance(action, argparse._VersionAction | argparse._HelpAction):
            return action.help
        shown = "%(default)s"
        return f"{text} (default: {shown})" if text else f"default: {shown}"


def parsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """``parser`` and every sub-parser below it, with their ``prog``."""
    yield parser.prog, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield from parsers(child)


def _describe_children(parser: argparse.ArgumentParser) -> None:
    """A sub-command without a description shows its one-line help at the top of its
    own ``--help`` (argparse shows it only in the parent's list)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, child in action.choices.items():
                if child.description is None and helps.get(name):
                    child.description = helps[name]


def uniform_help(option: str, text: str | None) -> str:
    """``text`` with its own words on the default replaced by the one shared wording
    (unless it names another default, as the demo's temporary store)."""
    noun, default = _UNIFORM[option]
    if text and "default" in text.lower() and "$LICDASH" not in text:
        return text
    purpose = _DEFAULT_TEXT.sub("", text or "").strip(" ;,:") or noun
    return f"{purpose} (default: {default})"


def normalise(root: argparse.ArgumentParser) -> argparse.ArgumentParser:
    for _, parser in parsers(root):
        parser.formatter_class = HelpFormatter
        _describe_children(parser)
        for action in parser._actions:
            if action.help and action.help != argparse.SUPPRESS:
                action.help = _BARE_DEFAULT.sub("(default: ", action.help)
            for option in _UNIFORM:
                if option in action.option_strings:
                    action.help = uniform_help(option, action.help)
    return root


def options_without_help(root: argparse.ArgumentParser) -> list[str]:
    """``prog --option`` of every option with no help text (for the tests)."""
    return [
        f"{prog} {action.option_strings[-1]}"
        for prog, parser in parsers(root)
        for action in parser._actions
        if action.option_strings and not action.help
    ]


def choices_of(action: argparse.Action) -> list[str] | None:
    choices: Any = action.choices
    if choices is None or isinstance(action, argparse._SubParsersAction):
        return None
    return [str(c) for c in choices]
