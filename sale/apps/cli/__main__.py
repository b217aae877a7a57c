"""``python -m sale.apps.cli``: the same command line as the ``sale`` script."""

import sys

from sale.apps.cli import main

sys.exit(main())
