"""The `localtrace` console command: one door to every management command.

`localtrace --help` lists the commands; `localtrace COMMAND --help` explains one.
Command names may be written with hyphens or underscores.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "localtrace.config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "localtrace"
    if len(args) == 1 or args[1] in ("-h", "--help"):
        args[1:2] = ["help"]
    elif not args[1].startswith("-"):
        # `localtrace import-results` and `localtrace import_results` are the same command.
        args[1] = args[1].replace("-", "_")
    try:
        execute_from_command_line(args)
    except ImproperlyConfigured as error:
        # A setting missing or wrong (docs/configuration.md): its message says which, a traceback adds nothing.
        sys.exit(f"localtrace: {error} See docs/configuration.md.")


if __name__ == "__main__":
    main()
