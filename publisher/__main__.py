"""The ``publisher`` command (the console script and ``python -m publisher``): through a
running build server when there is one (:mod:`publisher.client`), else in this process."""

import os
import sys

from .client import ask


def main() -> None:
    # `publisher server ...` manages the server: it runs here, never in the server itself
    # (any argument spelled "server" does; that costs only the time a server saves).
    code = None if "server" in sys.argv[1:] else ask(sys.argv[1:])
    if code is not None:
        os._exit(code)
    from .cli import entry

    entry()


if __name__ == "__main__":
    main()
