"""``python -m ganrepro.cli``."""

import sys

from ganrepro.cli import main

sys.exit(main())
