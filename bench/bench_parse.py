"""How long one parse takes: AXL and CLI samples, per call, against the 2.5 ms poll budget.

Run: .venv/bin/python bench/bench_parse.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collectors.parsing import parse_axl, parse_cli  # noqa: E402

CASES = ROOT / "tests" / "parsing" / "cases"
INPUTS = {
    "axl 14.0 registered (shared sample)": (
        parse_axl,
        CASES / "shared-axl-14.0-registered" / "getSmartLicenseStatus-14.0-registered.xml",
    ),
    "axl with <return>, eval": (
        parse_axl,
        CASES / "axl-return-wrapper-prefixes-eval" / "response.xml",
    ),
    "cli show license all (shared sample)": (
        parse_cli,
        CASES / "shared-cli-all-12.0-registered" / "show-license-all-12.0-registered.txt",
    ),
    "cli crlf + pager + failures": (
        parse_cli,
        CASES / "cli-cucm-all-crlf-pager-failed-renewal" / "capture.txt",
    ),
}
BUDGET_MS = 2.5  # the collector's whole CPU budget per poll


def per_call_ms(func: object, data: str | bytes, repeat: int) -> float:
    assert callable(func)
    now = datetime(2025, 2, 20, tzinfo=UTC)
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for _ in range(repeat):
            func(data, cluster="bench", now=now, timezone="America/New_York")
        best = min(best, (time.process_time() - start) / repeat * 1000)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    repeat = 200 if parser.parse_args().quick else 2000
    print(f"{'input':40} {'ms/call':>8} {'share of 2.5 ms budget':>24}")
    for name, (func, path) in INPUTS.items():
        data: str | bytes = path.read_bytes() if func is parse_axl else path.read_text()
        ms = per_call_ms(func, data, repeat)
        print(f"{name:40} {ms:8.3f} {ms / BUDGET_MS:23.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
