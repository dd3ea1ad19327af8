"""perfgate: gate merges on explicit performance budgets.

The package is layered, and each layer imports only the layers below it:
``cli`` above ``app`` above ``adapters`` above ``domain`` above ``types``.
An import-linter contract in ``pyproject.toml`` enforces the order.
"""

__version__ = "0.1.0"
