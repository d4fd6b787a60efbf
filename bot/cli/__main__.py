"""`python -m bot.cli ...`: the same as the `revops-bot` console script."""

import sys

from bot.cli import main

sys.exit(main())
