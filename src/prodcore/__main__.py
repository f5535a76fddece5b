"""python -m prodcore: the same as the prodcore command."""

from prodcore.cli import main

raise SystemExit(main())
