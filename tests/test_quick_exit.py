"""shared/quick_exit.py: a successful run skips the teardown but not the exit handlers, the output or a thread."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tests.synth import ROOT


def _run(body: str, tmp_path) -> subprocess.CompletedProcess:
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(body))
    # Block-buffered output, as an app's through the CLI's pipe (these machines set PYTHONUNBUFFERED).
    environ = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    environ["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, str(script)], env=environ, capture_output=True, text=True, timeout=60, check=False
    )


def test_exit_handlers_run_and_buffered_output_arrives(tmp_path):
    done = _run(
        f"""
        import atexit, pathlib, sys
        from shared import quick_exit
        atexit.register(lambda: pathlib.Path({str(tmp_path / "stopped")!r}).write_text("stopped"))
        print("synthesized")  # a pipe: block-buffered, so only a flush delivers it
        sys.stderr.write("and said so")
        quick_exit.after_success()
        print("never")
        """,
        tmp_path,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "synthesized\n", "and said so")
    assert (tmp_path / "stopped").read_text() == "stopped"


def test_a_thread_at_work_gets_the_normal_exit_which_waits_for_it(tmp_path):
    done = _run(
        f"""
        import pathlib, threading, time
        from shared import quick_exit
        def work():
            time.sleep(0.3)
            pathlib.Path({str(tmp_path / "finished")!r}).write_text("finished")
        threading.Thread(target=work).start()
        quick_exit.after_success()
        print("went on")
        """,
        tmp_path,
    )
    assert (done.returncode, done.stdout) == (0, "went on\n")
    assert (tmp_path / "finished").read_text() == "finished"


def test_both_apps_end_this_way_only_after_main_returned():
    for app in ("app.py", "gcp_app.py"):
        text = (ROOT / app).read_text()
        assert text.endswith('if __name__ == "__main__":\n    main()\n    quick_exit.after_success()\n'), app


def test_under_a_profiler_the_run_exits_as_usual_so_the_profile_is_written(tmp_path):
    script = tmp_path / "run.py"
    script.write_text("from shared import quick_exit\nquick_exit.after_success()\n")
    profile = tmp_path / "prof.out"
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "cProfile", "-o", str(profile), str(script)]
    subprocess.run(command, env=environ, capture_output=True, timeout=60, check=True)
    assert profile.stat().st_size > 0
