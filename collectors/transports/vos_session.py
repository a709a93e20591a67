"""The VOS shell dialogue as a pure state machine: prompts, the pager, echo and noise.

A CUCM platform shell (VOS) answers over an interactive PTY session, not a command
channel, so a poller has to read a byte stream and decide when an answer is complete.
This module holds every decision that does not need a socket, so it is tested on plain
strings and reused by the transport in ``collectors.transports.ssh_session``:

* :class:`OutputReader` accumulates the stream of one command and tells the caller
  whether the shell is back at its prompt, waits at the pager, or needs more data;
* :func:`clean_output` turns the raw stream into the command's text: terminal carriage
  returns applied, echo, pager lines and the trailing prompt removed, ``\\n`` line ends;
* :func:`command_error` spots VOS's "unknown command" answers.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Final

PROMPT: Final = "admin:"
PAGER_PROMPT: Final = "Press <enter> for 1 line, <space> for one page, or <q> to quit"
PAGINATION_OFF: Final = "set cli pagination off"
LICENSE_COMMAND: Final = "show license all"

# The prompt alone on the last line (anything before it on that line is not ours).
_PROMPT_AT_END = re.compile(r"(?:^|[\r\n])admin:[ \t]*\Z")
# Enough of the pager prompt to tolerate wording drift between VOS releases.
_PAGER = re.compile(r"Press <enter> for 1 line.*?<q> to quit[ \t]*", re.IGNORECASE)
_PAGER_LINE = re.compile(r"^\s*Press <enter> for 1 line.*<q> to quit\s*$", re.IGNORECASE)
# Prompts of shells that are not VOS: seen when a login lands somewhere unexpected.
_FOREIGN_PROMPT = re.compile(r"(?:^|\n)[^\n]{0,80}[$#>%][ \t]*\Z")
# Every terminal escape, not only CSI: OSC (title, hyperlinks, clipboard) and the other
# string controls (DCS, SOS, PM, APC) up to BEL or ST, in 7- and 8-bit forms; CSI; and
# the short ESC sequences. An unterminated string control runs to the end of the text.
_ANSI = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|\Z)"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|\x1b[ -/]*[0-~]?"
)
# VOS's ways of saying it did not run a command.
_COMMAND_ERRORS: Final = (
    re.compile(r"^\s*Executed command unsuccessfully\b.*$", re.IGNORECASE | re.MULTILINE),
    re.compile(r"^\s*Invalid command\b.*$", re.IGNORECASE | re.MULTILINE),
    re.compile(r"^\s*Unknown command\b.*$", re.IGNORECASE | re.MULTILINE),
    re.compile(r"^\s*Incomplete command\b.*$", re.IGNORECASE | re.MULTILINE),
    re.compile(r"^\s*(?:-\S+: )?\S+: command not found\s*$", re.IGNORECASE | re.MULTILINE),
)

_PROMPT_TAIL: Final = 80
MAX_PAGES: Final = 100
"""More pager stops than any licence report needs: the pager is looping."""
MAX_IDLE_PAGES: Final = 3
"""Pager stops in a row that brought no new line after we answered them."""


class Step(enum.Enum):
    """What the stream asks of the caller after :meth:`OutputReader.feed`."""

    MORE = "more"
    """Keep reading."""
    PROMPT = "prompt"
    """The shell is back at ``admin:``: the answer is complete."""
    PAGER = "pager"
    """The pager waits: send a space (one page) and keep reading."""
    PAGER_STUCK = "pager_stuck"
    """The pager keeps stopping without progress: give up."""


@dataclass
class OutputReader:
    """Accumulates one command's output and classifies what the shell waits for.

    Feed every decoded chunk in arrival order; act on the returned :class:`Step`.
    """

    max_pages: int = MAX_PAGES
    max_idle_pages: int = MAX_IDLE_PAGES
    pages: int = 0
    """Pager stops answered so far."""
    _chunks: list[str] = field(default_factory=list)
    _buffer: str = ""
    _scan_from: int = 0
    _idle_pages: int = 0

    def feed(self, data: str) -> Step:
        self._buffer += data
        pager = _PAGER.search(self._buffer, self._scan_from)
        if pager is not None:
            since_last = self._buffer[self._scan_from : pager.start()]
            self._scan_from = pager.end()
            self.pages += 1
            # Progress means a visible line arrived since the previous stop.
            if self.pages > 1 and not _terminal_lines(since_last).strip():
                self._idle_pages += 1
            else:
                self._idle_pages = 0
            if self.pages > self.max_pages or self._idle_pages >= self.max_idle_pages:
                return Step.PAGER_STUCK
            # A prompt can't follow an unanswered pager stop in the same chunk.
            return Step.PAGER
        # The prompt ends the stream: look at the tail only (a poll reads kilobytes).
        if _PROMPT_AT_END.search(self._buffer[-_PROMPT_TAIL:]):
            return Step.PROMPT
        return Step.MORE

    @property
    def text(self) -> str:
        """Everything received so far, raw."""
        return self._buffer

    def tail(self, size: int = 200) -> str:
        """The last characters received, cleaned, for error messages."""
        return printable(self._buffer[-size:])


def at_prompt(buffer: str) -> bool:
    """Whether the stream ends at a bare ``admin:`` prompt."""
    return _PROMPT_AT_END.search(buffer) is not None


def foreign_prompt(buffer: str) -> str | None:
    """The last line if it looks like another shell's prompt (``$``, ``#``, ``>``)."""
    text = _terminal_lines(buffer)
    match = _FOREIGN_PROMPT.search(text)
    if match is None or at_prompt(text):
        return None
    return match.group(0).strip()


def _apply_carriage_returns(line: str) -> str:
    """What a terminal shows for one line: ``\\r`` moves to column 0, then overwrites."""
    if "\r" not in line and "\b" not in line:
        return line
    screen: list[str] = []
    col = 0
    for ch in line:
        if ch == "\r":
            col = 0
        elif ch == "\b":
            col = max(col - 1, 0)
        else:
            if col < len(screen):
                screen[col] = ch
            else:
                screen.append(ch)
            col += 1
    return "".join(screen)


def _terminal_lines(raw: str) -> str:
    text = _ANSI.sub("", raw).replace("\r\n", "\n")
    return "\n".join(_apply_carriage_returns(line) for line in text.split("\n"))


def printable(raw: str) -> str:
    """A short, single-line, control-free rendering of raw shell output."""
    text = _terminal_lines(raw)
    text = "".join(ch if ch.isprintable() else " " for ch in text.replace("\n", " | "))
    return re.sub(r"\s+", " ", text).strip()


def clean_output(raw: str, command: str | None = None) -> str:
    """The command's own output: echo, pager lines and the closing prompt removed.

    Args:
        raw: everything the shell sent after the command was written.
        command: the command sent; its echo (first line, possibly after a prompt) goes.
    """
    lines = _terminal_lines(raw).split("\n")
    lines = [_PAGER.sub("", line) if _PAGER.search(line) else line for line in lines]
    lines = [line for line in lines if not _PAGER_LINE.match(line)]
    if command is not None:
        wanted = " ".join(command.split())
        for index, line in enumerate(lines[:3]):
            echoed = line.strip()
            if echoed.startswith(PROMPT):
                echoed = echoed[len(PROMPT) :].strip()
            if " ".join(echoed.split()) == wanted:
                del lines[: index + 1]
                break
    while lines and (not lines[-1].strip() or lines[-1].strip() == PROMPT):
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(line.rstrip() for line in lines) + ("\n" if lines else "")


def command_error(text: str) -> str | None:
    """VOS's complaint if the shell refused the command, else None."""
    for pattern in _COMMAND_ERRORS:
        match = pattern.search(text)
        if match is not None:
            return " ".join(match.group(0).split())
    return None
