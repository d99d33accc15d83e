"""``python -m paralens``: the command line."""

import sys

from paralens._cli import main

sys.exit(main())
