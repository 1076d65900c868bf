"""tbproc.py - process helpers shared by the testbed's Python servers."""

import os
import sys


def die_with_parent():
    """SIGTERM when the parent exits, so a killed test leaves nothing."""
    parent = os.getppid()
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it exited before prctl
        sys.exit(0)
