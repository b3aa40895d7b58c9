"""``python -m dshell``."""

from __future__ import annotations

import sys

from dshell.cli import main

sys.exit(main())
