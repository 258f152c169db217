"""localtrace serve: the web server, the task worker and the scheduler together; Ctrl-C stops all three.

Production runs them as three services (a WSGI server, `localtrace db_worker` and `localtrace schedule`;
docs/configuration.md); this keeps background work happening in development and the demo exactly as there.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the web server, the task worker and the scheduler together until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        command = [sys.executable, "-m", "localtrace.cli"]
        # Our own interpreter and module with fixed arguments: nothing here comes from a user.
        processes = [
            subprocess.Popen([*command, "runserver", addrport, "--noreload", "--skip-checks"]),  # noqa: S603
            subprocess.Popen([*command, "db_worker"]),  # noqa: S603
            subprocess.Popen([*command, "schedule"]),  # noqa: S603
        ]
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(p.poll() is None for p in processes):
                time.sleep(0.5)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        failed = [p.args for p in processes if p.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            self.stderr.write(f"Stopped because a process ended: {failed}")
            sys.exit(1)
