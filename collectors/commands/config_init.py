"""``licdash config init``: a commented example config to start from.

The file is created with ``O_EXCL`` (never over an existing one, not even one that
appears between a check and the write) and mode 0600, since a user may add a plain
password to it later. The example is a real config: ``tests/cli`` loads it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

EXAMPLE: Final = """\
# licdash configuration. Reference: docs/architecture.md ("Config"); check it with
#   licdash config check --no-connect    (the file and every password source)
#   licdash config check                 (and one test poll per cluster)

[settings]
interval = 300          # seconds between two polls of one publisher
timeout = 15            # per-poll timeout in seconds (a cluster may set its own)
concurrency = 100       # polls in flight at once across the fleet
stale_after = 3         # intervals without a good poll before a cluster is stale
warning_days = 30       # a hard deadline this close makes a cluster a warning
critical_days = 7       # ... and this close, critical

# One [[clusters]] table per CUCM cluster, reached through its publisher.
[[clusters]]
name = "emea-lon-cucm1"                  # unique; shown everywhere
product = "cucm"                         # cucm (the default) | unity | expressway
publisher = "cucm-pub.example.net"       # host[:port]; AXL's port defaults to 8443
transport = "axl"                        # axl | cli | auto (AXL, else the SSH CLI)
axl_version = "auto"                     # auto | 12.5 | 14.0 | 15.0
username = "licdash-axl"                 # application user with Standard AXL API Access
# Where the password comes from (exactly one):
password_env = "LICDASH_PW_EMEA"         # an environment variable
# password_keyring = "licdash/emea-lon"  # the OS keyring: "service/username"
# password_command = "pass show cucm/emea-lon"   # a command printing it
# password = "..."                       # plain text: works, with a warning
verify = true                            # true | "/path/to/ca.pem" | false (insecure)
timezone = "Europe/London"               # IANA zone of the publisher's clock
tags = { region = "emea", customer = "acme", environment = "prod" }

# A CUCM 12.0 cluster (no AXL licence operation) over the VOS shell:
# [[clusters]]
# name = "apac-syd-cucm1"
# publisher = "10.20.0.10"
# transport = "cli"
# username = "licdash-axl"
# ssh_username = "platformadmin"
# password_env = "LICDASH_PW_APAC"
# ssh_port = 22
# timeout = 60                           # VOS logins are slow
# known_hosts = "~/.config/licdash/known_hosts"
# trust_on_first_use = false             # or: licdash config check --accept-new-host-keys
# tags = { region = "apac" }

# A Unity Connection cluster: its publisher over CUPI (HTTPS, port 443), an
# administrator account. Unity gives no expiry dates: licdash derives them (a year after
# the last successful registration, 90 days after the last communication) and says so.
# [[clusters]]
# name = "emea-lon-cuc1"
# product = "unity"
# publisher = "cuc-pub.example.net"
# username = "licdash-cupi"
# password_env = "LICDASH_PW_CUC"
# timezone = "Europe/London"             # Unity's times carry no zone: set this
# tags = { region = "emea" }

# An Expressway cluster: every peer registers on its own, so each is polled (REST,
# port 443) and shown as its own row, named emea-lon-expc/peer1, /peer2, ... in order.
# [[clusters]]
# name = "emea-lon-expc"
# product = "expressway"
# publisher = "expc1.example.net"        # peer 1
# peers = ["expc2.example.net", "expc3.example.net"]
# username = "admin"                     # the peers' administrator account
# password_env = "LICDASH_PW_EXPC"
# tags = { region = "emea" }
"""


def write_example(path: Path) -> None:
    """Create ``path`` with :data:`EXAMPLE`; ``FileExistsError`` if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(EXAMPLE)
        out.flush()
        os.fsync(out.fileno())
