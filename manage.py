#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

A `.env` file beside this one (written by `make run` for local development) is read first;
variables already set in the environment win. A configuration mistake prints one line
naming what to set, not a traceback.
"""

import os
import sys
from pathlib import Path


def main() -> None:
    from dotenv import load_dotenv

    if not os.environ.get("HIAT_IGNORE_DOTENV"):  # set by `make serve`: production reads only the environment
        load_dotenv(Path(__file__).resolve().parent / ".env", override=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hiat_site.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        hint = "" if os.environ.get("DEBUG") else " For local development run `make run` once, or set DEBUG=1."
        sys.exit(f"Configuration error: {error}{hint}")


if __name__ == "__main__":
    main()
