"""`python -m cockpit`: the same command line as the `cockpit` console script."""

import sys

from cockpit.cli import main

sys.exit(main())
