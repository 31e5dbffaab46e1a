"""Ending an app run that succeeded without the interpreter's teardown.

Once an app has synthesized, nothing is left to write: the jsii runtime wrote the output, an exit handler stops it
(and removes its temporary folder), and the template validation's worker ends when its input closes. What a normal
exit does next is free, one by one, the objects of the bindings' thousands of classes: 0.4-0.6 s of one production
environment's run (AWS, measured 2026-12-04), more than the stop itself. So the apps end a successful run here: the
exit handlers, then the standard streams flushed, then `os._exit`. A run that fails exits as usual, with its message
and status; so does one with a thread still at work, which a normal exit would wait for, and one under a profiler or
tracer (`python -m cProfile -o ...` writes its file after the script).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading


def after_success() -> None:
    others = [thread for thread in threading.enumerate() if thread is not threading.main_thread()]
    if any(thread.is_alive() and not thread.daemon for thread in others):
        return  # the normal exit waits for them
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return
    atexit._run_exitfuncs()  # what a normal exit runs (and then forgets), in the same order
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(0)
