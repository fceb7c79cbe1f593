"""`python -m album` and the `album` console script."""

import sys

from album.cli import main

if __name__ == "__main__":
    sys.exit(main())
