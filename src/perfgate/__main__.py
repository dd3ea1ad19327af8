"""Entry point for ``python -m perfgate``."""

from perfgate.cli.main import main

raise SystemExit(main())
