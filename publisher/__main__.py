"""The ``publisher`` command (the console script and ``python -m publisher``): through a
running build server when there is one (:mod:`publisher.client`), else in this process,
which then starts one for the next commands (outside CI; ``PUBLISHER_SERVER``)."""

import os
import sys

from . import client


def main() -> None:
    # `publisher server ...` manages the server: it runs here, never in the server itself
    # (any argument spelled "server" does; that costs only the time a server saves).
    argv = sys.argv[1:]
    code = None if "server" in argv else client.ask(argv)
    if code is not None:
        os._exit(code)
    from .cli import command

    code = command()
    if "server" not in argv:
        client.start_for_next(argv)
    os._exit(code)


if __name__ == "__main__":
    main()
