"""``python -m lscb_analysis``: the same command line as ``lscb``."""

import sys

from lscb_analysis.cli import main

sys.exit(main())
