"""Run a generator in a forked child process and read its items here, one pipe between them.

For CPU-bound work that needs no database (reading and validating a large file), so it runs on
a second core while this process writes what the child produced. The child never touches a
database connection; it holds only the write end of the pipe, so if this process dies (even by
kill -9) its next write fails and it exits. At most about one item waits in the pipe: memory
stays flat whatever the input's size.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any


class ChildFailed(RuntimeError):
    """The child process raised something we could not hand back as it was, or died."""


def _run_child(
    produce: Callable[..., Iterator[Any]], args: tuple[Any, ...], sender: Connection, receiver: Connection
) -> None:
    receiver.close()
    try:
        for item in produce(*args):
            sender.send(("item", item))
        sender.send(("end", None))
    except (BrokenPipeError, ConnectionResetError):
        return  # the reader has gone: nothing left to do
    except Exception as error:  # handed to the parent, which re-raises it
        try:
            sender.send(("error", error))
        except Exception:  # an error that will not pickle
            sender.send(("failed", traceback.format_exc()))
    finally:
        sender.close()


@contextlib.contextmanager
def iterate_in_child(produce: Callable[..., Iterator[Any]], *args: Any) -> Iterator[Iterator[Any]]:
    """`produce(*args)`'s items, produced in a forked child. An exception there is raised here."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_run_child, args=(produce, args, sender, receiver), daemon=True)
    child.start()
    sender.close()

    def items() -> Iterator[Any]:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                child.join(timeout=10)
                raise ChildFailed(f"The reading process stopped unexpectedly (exit code {child.exitcode}).") from None
            if kind == "end":
                return
            if kind == "error":
                raise payload
            if kind == "failed":
                raise ChildFailed(payload)
            yield payload

    try:
        yield items()
    finally:
        receiver.close()
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
            child.join()
