"""`python -m kb`: the `kb` command."""

import sys

try:
    from kb.cli import main
except KeyboardInterrupt:  # Ctrl-C while the command is still starting: nothing has begun
    sys.exit(130)

try:
    sys.exit(main())
except KeyboardInterrupt:  # in the last instant, after main returned
    sys.exit(130)
