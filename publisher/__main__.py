"""The ``publisher`` command (the console script and ``python -m publisher``): through a
running build server when there is one (:mod:`publisher.client`), else in this process."""

import os
import sys

from .client import ask


def main() -> None:
    code = ask(sys.argv[1:])
    if code is not None:
        os._exit(code)
    from .cli import entry

    entry()


if __name__ == "__main__":
    main()
