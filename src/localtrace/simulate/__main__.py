"""`python -m localtrace.simulate --people 1000 --out DIR`: the generator without Django."""

from __future__ import annotations

import argparse
import sys

from localtrace.simulate.options import add_simulate_arguments, run_with_progress


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m localtrace.simulate",
        description="Generate a synthetic population, outbreak and test results, with ground truth.",
    )
    add_simulate_arguments(parser)
    options = parser.parse_args(argv)
    try:
        run_with_progress(vars(options))
    except ValueError as error:
        parser.error(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
