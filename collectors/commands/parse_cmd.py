"""``licdash parse FILE``: read a saved AXL answer, CLI capture, Unity Connection
``licensedetails`` answer or Expressway status answer and print its snapshot.

Exit 0 with the snapshot JSON on stdout; exit 2 with one line on stderr naming the file
and the cause when the file cannot be read or holds no Smart Licensing status.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

EXIT_OK = 0
EXIT_UNREADABLE = 2


def _iso_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date and time: {text!r}") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        metavar="FILE",
        help="saved AXL XML answer, CLI text, Unity Connection licensedetails (JSON or XML) "
        "or Expressway smartlicensing status (JSON)",
    )
    parser.add_argument(
        "--now",
        type=_iso_datetime,
        default=None,
        help="reference time for severity and collected_at (ISO 8601; default: now, UTC)",
    )
    parser.add_argument(
        "--timezone", metavar="IANA", default=None, help="the cluster's zone, e.g. Asia/Kolkata"
    )
    parser.add_argument("--cluster", metavar="NAME", default=None, help="default: the file stem")


def _fail(path: str, cause: str) -> int:
    from collectors.text_safety import neutralise

    print(neutralise(f"licdash parse: {path}: {cause}"), file=sys.stderr)
    return EXIT_UNREADABLE


def run(args: argparse.Namespace) -> int:
    from collectors.dates import valid_zone
    from collectors.errors import ParseError
    from collectors.parsing import parse_any

    path = Path(args.file)
    if args.timezone and not valid_zone(args.timezone):
        return _fail(str(path), f"unknown time zone {args.timezone!r}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _fail(str(path), f"cannot read file ({exc.strerror or exc})")
    now = args.now or datetime.now(UTC)
    cluster = args.cluster or path.stem
    try:
        snapshot = parse_any(data, cluster=cluster, now=now, timezone=args.timezone)
    except ParseError as exc:
        return _fail(str(path), f"{exc.kind}: {exc.message}")
    sys.stdout.write(snapshot.to_json(indent=2) + "\n")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run without the ``licdash`` router (``python -m collectors.commands.parse_cmd``)."""
    parser = argparse.ArgumentParser(prog="licdash parse", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
