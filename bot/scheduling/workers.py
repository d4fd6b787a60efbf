"""Who holds a claim: a worker name that tells a dead process on this host from a live one.

A claim records its worker as host:pid:token (the token is drawn once per process). Another
host's claim is left to its lease; on this host, a claim whose process is gone (or whose pid is
ours but from an earlier life of the process) is dead at once: a bot restarted after a crash
sends what the crash interrupted without waiting out the lease.
"""

from __future__ import annotations

import os
import secrets
import socket

PROCESS_TOKEN = secrets.token_hex(4)
HOST = socket.gethostname()[:40]  # claimed_by holds 64 characters


def this_worker() -> str:
    return f"{HOST}:{os.getpid()}:{PROCESS_TOKEN}"


def is_dead(worker: str) -> bool:
    """A claimer on this host that no longer runs. Unsure (another host, an unknown form, a pid
    that runs): not dead, the lease decides."""
    host, _, rest = worker.partition(":")
    pid_text, _, token = rest.partition(":")
    if host != HOST or not pid_text.isdigit() or not token:
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return token != PROCESS_TOKEN  # this pid, an earlier process's claim
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it runs, as another user
    return False
