"""The mock VOS shell speaks the words of the recorded real shell, not the client's.

The mock's strings live in collectors/mock/vos_transcript.py (an installed mock cannot
read ../shared); these tests hold them to ../shared/samples/cli/vos-prompt-and-pager.txt.
The client (collectors/transports/vos_session.py) is then tested against the mock in
tests/cli_transport, so a client constant that drifts from the real shell fails there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from collectors.mock import vos, vos_transcript

TRANSCRIPT = Path("samples/cli/vos-prompt-and-pager.txt")


@pytest.fixture
def recorded(shared_dir: Path) -> tuple[str, list[str]]:
    """The recording's default prompt and the lines of its recorded dialogue."""
    text = (shared_dir / TRANSCRIPT).read_text()
    prompt = re.search(r"^DEFAULT_PROMPT = '([^']*)'$", text, re.MULTILINE)
    dialogue = re.search(r'^"""\n(.*?)^"""', text, re.MULTILINE | re.DOTALL)
    assert prompt is not None and dialogue is not None, "the transcript's layout changed"
    return prompt[1], [line for line in dialogue[1].splitlines() if line]


def test_prompt_is_the_recorded_prompt(recorded: tuple[str, list[str]]) -> None:
    prompt, dialogue = recorded
    assert prompt == vos_transcript.PROMPT
    assert dialogue[0] == prompt  # the recording opens at the prompt


def test_pager_prompt_is_the_recorded_one(recorded: tuple[str, list[str]]) -> None:
    _, dialogue = recorded
    assert vos_transcript.PAGER_PROMPT in dialogue


def test_pagination_command_is_the_recorded_one(recorded: tuple[str, list[str]]) -> None:
    _, dialogue = recorded
    assert vos_transcript.PAGINATION_OFF in dialogue


def test_the_shell_uses_the_recorded_words() -> None:
    """The shell's defaults are the recording's, so a change there reaches the shell."""
    assert vos.VosBehaviour().prompt == vos_transcript.PROMPT + " "
    assert vos.PAGER_PROMPT is vos_transcript.PAGER_PROMPT
    assert vos.PAGINATION_OFF is vos_transcript.PAGINATION_OFF
