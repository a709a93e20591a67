"""``licdash completion bash|zsh|fish``: a completion script generated from the parser.

bash and zsh come from `shtab <https://github.com/iterative/shtab>`_, which reads the
argparse parser; shtab has no fish back-end, so fish gets a small generator here that
reads the same parser. Options whose metavar is ``FILE`` complete file names, ``DIR``
directories, and options with choices their choices. Nothing is imported or run when
the shell completes: the script is static, so a TAB costs no Python start-up.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator
from typing import Final

SHELLS: Final = ("bash", "zsh", "fish")

EPILOG = """\
install:
  bash  licdash completion bash > ~/.local/share/bash-completion/completions/licdash
  zsh   licdash completion zsh > ~/.zfunc/_licdash   (with fpath+=(~/.zfunc) before compinit)
  fish  licdash completion fish > ~/.config/fish/completions/licdash.fish
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("shell", choices=SHELLS, help="the shell to write a script for")


def run(args: argparse.Namespace) -> int:
    build: Callable[[], argparse.ArgumentParser] = args._build_parser
    sys.stdout.write(script(build(), args.shell))
    return 0


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    if shell == "fish":
        return fish_script(parser)
    import shtab

    _mark_paths(parser, {"FILE": shtab.FILE, "DIR": shtab.DIRECTORY})
    return str(shtab.complete(parser, shell=shell))


def path_kind(action: argparse.Action) -> str | None:
    """``FILE`` or ``DIR`` for an option that names a path, else None."""
    if action.nargs == 0 or action.choices is not None:
        return None
    if action.metavar in ("FILE", "DIR"):
        return str(action.metavar)
    return {"config": "FILE", "output": "FILE", "store": "DIR"}.get(action.dest)


def _mark_paths(parser: argparse.ArgumentParser, kinds: dict[str, object]) -> None:
    from collectors.cli_help import parsers

    for _, each in parsers(parser):
        for action in each._actions:
            kind = path_kind(action)
            if kind is not None:
                action.complete = kinds[kind]  # type: ignore[attr-defined]  # shtab's hook


# ----- fish -----------------------------------------------------------------------

_DEFAULT: Final = re.compile(r"\s*\(default:[^)]*\)")


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _describe(text: str | None) -> str:
    if not text or text == argparse.SUPPRESS:
        return ""
    line = " ".join(_DEFAULT.sub("", text).split()).replace("%%", "%")
    return line if len(line) <= 70 else line[:67].rstrip() + "..."


def _path_of(parser: argparse.ArgumentParser) -> list[str]:
    return parser.prog.split()[1:]


def _condition(path: list[str], children: list[str]) -> str:
    """fish's test for "the command line is at ``path`` (and not below it)"."""
    tests = [f"__fish_seen_subcommand_from {word}" for word in path] or ["__fish_use_subcommand"]
    if path and children:
        tests.append(f"not __fish_seen_subcommand_from {' '.join(children)}")
    return "; and ".join(tests)


def _option_line(condition: str, action: argparse.Action) -> str:
    parts = ["complete -c licdash", f"-n {_quote(condition)}"]
    for option in action.option_strings:
        if option.startswith("--"):
            parts.append(f"-l {option[2:]}")
        elif len(option) == 2:
            parts.append(f"-s {option[1]}")
        else:
            parts.append(f"-o {option[1:]}")
    takes_value = action.nargs != 0
    if takes_value:
        from collectors.cli_help import choices_of

        choices = choices_of(action)
        if choices:
            parts.append(f"-x -a {_quote(' '.join(choices))}")
        elif path_kind(action) == "FILE":
            parts.append("-r -F")
        elif path_kind(action) == "DIR":
            parts.append(f"-x -a {_quote('(__fish_complete_directories)')}")
        else:
            parts.append("-x")
    description = _describe(action.help)
    if description:
        parts.append(f"-d {_quote(description)}")
    return " ".join(parts)


def _lines(parser: argparse.ArgumentParser) -> Iterator[str]:
    path = _path_of(parser)
    sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    children = list(sub.choices) if sub else []
    condition = _condition(path, children)
    for action in parser._actions:
        if action.option_strings:
            yield _option_line(condition, action)
        elif not isinstance(action, argparse._SubParsersAction):
            from collectors.cli_help import choices_of

            choices = choices_of(action)
            if choices:
                line = (
                    f"complete -c licdash -n {_quote(condition)} -x -a {_quote(' '.join(choices))}"
                )
                yield line
            else:
                yield f"complete -c licdash -n {_quote(condition)} -F"
    if sub is None:
        return
    helps = {a.dest: a.help for a in sub._choices_actions}
    for name in sub.choices:
        description = _describe(helps.get(name))
        line = f"complete -c licdash -n {_quote(condition)} -a {name}"
        yield line + (f" -d {_quote(description)}" if description else "")
    for child in dict.fromkeys(sub.choices.values()):
        yield ""
        yield from _lines(child)


def fish_script(parser: argparse.ArgumentParser) -> str:
    head = [
        "# fish completion for licdash, generated from its argument parser.",
        "# Regenerate after an upgrade: licdash completion fish > "
        "~/.config/fish/completions/licdash.fish",
        "complete -c licdash -f",
    ]
    return "\n".join([*head, *_lines(parser)]) + "\n"
