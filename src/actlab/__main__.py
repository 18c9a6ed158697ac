"""``python -m actlab``: the actlab command (see ``actlab --help``)."""

from ._cli import main

if __name__ == "__main__":
    main()
