"""Runs `python -m pretix <args>` so that it dies with the process that started it.

The harness (Node) starts every pretix command through this file. On Linux it asks the kernel for SIGKILL when the
parent goes away (prctl PR_SET_PDEATHSIG), which survives the exec below, so a test runner killed with SIGKILL
cannot leave an orphaned runserver on its port. Elsewhere it just runs pretix.
"""
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1

parent = os.getppid()
if sys.platform.startswith("linux"):
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        sys.exit(1)

os.execv(sys.executable, [sys.executable, "-m", "pretix", *sys.argv[1:]])
