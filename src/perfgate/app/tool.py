"""The writer identity stamped into every receipt."""

from perfgate import __version__
from perfgate.types.receipts import ToolInfo

TOOL = ToolInfo(name="perfgate", version=__version__)
