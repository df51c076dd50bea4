"""Real ``widget-server`` processes for tests, configured as production is: by ``DOTS_*`` only.

``serve`` (gunicorn, plus the email sender and expiry sweeper unless
``--no-jobs``) and ``worker`` run as ``python -m widget_server …`` in a
process group of their own, with the test process's ``DOTS_*`` variables
left out (only what a test passes configures them). :meth:`Process.stop`
sends SIGTERM to the command itself, as a service manager does, and then
requires its whole group to be gone: a gunicorn worker or job runner that
outlives its ``serve`` is an orphan in production, so here it fails the test.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.smtp_server import free_port


def environment(**dots: str) -> dict[str, str]:
    """This process's environment without its ``DOTS_*`` variables, plus ``dots``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DOTS_")}
    return {**inherited, **dots}


def wait_until(condition: Callable[[], object], what: str, timeout: float = 20) -> None:
    """Poll ``condition()`` until true (a background job did ``what``); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not done in {timeout} s: {what}"
        time.sleep(0.1)


def group_members(pgid: int) -> list[str]:
    """``"pid name state"`` of every process in group ``pgid`` (zombies too), from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended while we looked
            continue
        # "pid (name) state ppid pgrp …"; the name may hold spaces and parentheses.
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        state, _ppid, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(pgrp) == pgid:
            members.append(f"{entry.name} {name} {state}")
    return members


class Process:
    """One ``widget-server`` command in its own process group, its output in ``log_path``."""

    def __init__(self, log_path: Path, args: list[str], env: Mapping[str, str]) -> None:
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "widget_server", *args],
            env=dict(env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stop() can tell whether all of it ended
        )
        self.pgid = self.process.pid

    def output(self) -> str:
        """Everything the command (and its children) printed so far (or in all, once stopped)."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()

    def wait_for_output(self, text: str, timeout: float = 30) -> None:
        """Wait until ``text`` was printed; fail with the output if the command ends first."""
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.process.poll() is not None:
                raise AssertionError(f"exited with {self.process.returncode}:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not printed in {timeout} s:\n{self.output()}")
            time.sleep(0.05)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM to the command; its exit code once it and every process it started ended.

        Fails (after killing them) when any process of the group is left.
        """
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill_group()
                self.process.wait()
                self._log.close()
                raise AssertionError(
                    f"still running {timeout} s after SIGTERM, killed:\n{self.output()}"
                ) from None
        # The command waits for its children before it exits; allow a moment for the kernel.
        deadline = time.monotonic() + 2
        while (left := group_members(self.pgid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        self._log.close()
        if left:
            self._kill_group()
            raise AssertionError(f"left running after the command ended (killed): {left}")
        return int(self.process.returncode)

    def _kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)


class Served(Process):
    """``widget-server serve [options]`` on loopback, once ``/v1/health`` answers 200.

    ``port`` defaults to a free one; ``DOTS_PUBLIC_URL`` to the served URL.
    """

    def __init__(
        self,
        workdir: Path,
        env: Mapping[str, str],
        *options: str,
        port: int | None = None,
        ready_timeout: float = 30,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), *options]
        super().__init__(
            workdir / f"serve-{self.port}.log", args, {"DOTS_PUBLIC_URL": self.url, **env}
        )
        try:
            self._wait_until_healthy(ready_timeout)
        except BaseException:
            self._kill_group()
            self.process.wait()
            raise

    def _wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"serve exited with {self.process.returncode}:\n{self.output()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/v1/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"serve did not answer in {timeout} s:\n{self.output()}")
            time.sleep(0.1)
