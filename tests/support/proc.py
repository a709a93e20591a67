"""This process as the kernel sees it (Linux ``/proc``): what the soak and the memory
tests read."""

from __future__ import annotations


def rss_mb() -> float:
    """Resident memory now, in MB (``VmRSS``); NaN where the kernel does not say, so a
    comparison with it is never true."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")
