"""The VOS dialogue state machine on plain strings: prompts, pager, echo, refusals."""

from __future__ import annotations

from collectors.transports.vos_session import (
    PAGER_PROMPT,
    OutputReader,
    Step,
    at_prompt,
    clean_output,
    command_error,
    foreign_prompt,
)

ERASE = "\r" + " " * len(PAGER_PROMPT) + "\r"


def test_prompt_only_counts_at_the_start_of_the_last_line() -> None:
    assert at_prompt("Welcome\r\n\r\nadmin: ")
    assert at_prompt("admin:")
    assert not at_prompt("Welcome\r\nadmin: show license all")
    assert not at_prompt("Description: the admin:")
    assert not at_prompt("admin: \r\nSmart Licensing Status\r\n")


def test_reader_answers_pager_then_finds_prompt() -> None:
    reader = OutputReader()
    assert reader.feed("show license all\r\nline 1\r\nline 2\r\n") is Step.MORE
    assert reader.feed(PAGER_PROMPT) is Step.PAGER
    # The same stop is not reported twice.
    assert reader.feed("") is Step.MORE
    assert reader.feed(ERASE + "line 3\r\n\r\nadm") is Step.MORE
    assert reader.feed("in: ") is Step.PROMPT
    assert reader.pages == 1
    assert clean_output(reader.text, "show license all") == "line 1\nline 2\nline 3\n"


def test_pager_split_across_chunks_is_found_once_complete() -> None:
    reader = OutputReader()
    half = len(PAGER_PROMPT) // 2
    assert reader.feed("a\r\n" + PAGER_PROMPT[:half]) is Step.MORE
    assert reader.feed(PAGER_PROMPT[half:]) is Step.PAGER


def test_pager_without_progress_is_stuck() -> None:
    reader = OutputReader(max_idle_pages=3)
    assert reader.feed("a\r\n" + PAGER_PROMPT) is Step.PAGER
    assert reader.feed(ERASE + PAGER_PROMPT) is Step.PAGER
    assert reader.feed(ERASE + PAGER_PROMPT) is Step.PAGER
    assert reader.feed(ERASE + PAGER_PROMPT) is Step.PAGER_STUCK


def test_pager_with_progress_is_stuck_only_past_the_page_cap() -> None:
    reader = OutputReader(max_pages=4)
    steps = [reader.feed(f"line {i}\r\n" + PAGER_PROMPT) for i in range(5)]
    assert steps == [Step.PAGER] * 4 + [Step.PAGER_STUCK]


def test_clean_output_drops_echo_prompt_pager_and_terminal_noise() -> None:
    raw = (
        "show license all\r\n"
        "Smart Licensing Status\r\n"
        "=======================\r\n"
        f"{PAGER_PROMPT}{ERASE}"
        "\x1b[0mSmart Licensing is ENABLED   \r\n"
        "\r\n"
        "admin: "
    )
    assert clean_output(raw, "show license all") == (
        "Smart Licensing Status\n=======================\nSmart Licensing is ENABLED\n"
    )


def test_clean_output_takes_echo_after_a_prompt_and_keeps_other_first_lines() -> None:
    assert clean_output("admin: show  license all\r\nX\r\nadmin:", "show license all") == "X\n"
    assert clean_output("X\r\nY\r\nadmin:", "show license all") == "X\nY\n"
    assert clean_output("admin: ", None) == ""


def test_command_error_recognises_vos_refusals_only() -> None:
    assert command_error("Executed command unsuccessfully\nInvalid command: show x\n") == (
        "Executed command unsuccessfully"
    )
    assert command_error("Invalid command: show licence all") == "Invalid command: show licence all"
    assert command_error("-bash: show: command not found") is not None
    assert command_error("Smart Licensing is ENABLED\n  Status: Invalid\n") is None


def test_foreign_prompt_is_named_but_admin_prompt_is_not() -> None:
    assert foreign_prompt("Last login: today\r\n[root@cucm ~]# ") == "[root@cucm ~]#"
    assert foreign_prompt("welcome\r\nuser@host:~$ ") == "user@host:~$"
    assert foreign_prompt("Welcome\r\nadmin: ") is None
    assert foreign_prompt("Command Line Interface is starting up, please wait ...\r\n") is None
