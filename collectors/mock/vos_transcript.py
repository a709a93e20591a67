"""The VOS shell's own words, copied from a recording of a real CUCM shell.

Source: ``../shared/samples/cli/vos-prompt-and-pager.txt`` (the prompt and pager of a
CUCM 12.x/14 platform shell, recorded by the author of a netmiko-based collector). An
installed mock cannot read ``../shared``, so it keeps this copy;
tests/mock/test_mock_vos_transcript.py asserts each string equals the recording.

The mock takes these from the recording, never from the client's constants in
``collectors.transports.vos_session``: a client that expects a wrong prompt or pager
then fails against the mock, as it would against a publisher.
"""

from __future__ import annotations

from typing import Final

PROMPT: Final = "admin:"
"""The platform shell's prompt (the mock writes it followed by one space)."""
PAGER_PROMPT: Final = "Press <enter> for 1 line, <space> for one page, or <q> to quit"
"""What the shell prints at the foot of each page while pagination is on."""
PAGINATION_OFF: Final = "set cli pagination off"
"""The command that turns the pager off."""
