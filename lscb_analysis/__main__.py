"""``python -m lscb_analysis``: the same command line as ``lscb``."""

import sys

from lscb_analysis.cli.main import main

sys.exit(main())
