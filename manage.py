#!/usr/bin/env python
"""Django's manage.py, kept for habit; `localtrace` is the same command."""

import sys

from localtrace.cli import main

if __name__ == "__main__":
    main(sys.argv)
