"""The promote use case: turn a run receipt into a baseline."""

from __future__ import annotations

import msgspec

from perfgate.types.receipts import RunReceipt

# Stand-ins that make a promoted baseline identical however often it is
# promoted, so that re-promoting an unchanged run leaves no diff in git.
NORMALIZED_RUN_ID = "baseline"
NORMALIZED_TIMESTAMP = "1970-01-01T00:00:00Z"


def promote(run: RunReceipt, *, normalize: bool) -> RunReceipt:
    """Return ``run`` as a baseline.

    Without ``normalize`` the receipt is returned unchanged. With it, the run
    id becomes ``"baseline"`` and both timestamps the Unix epoch; samples,
    stats, host and bench are kept.
    """
    if not normalize:
        return run
    meta = msgspec.structs.replace(
        run.run,
        id=NORMALIZED_RUN_ID,
        started_at=NORMALIZED_TIMESTAMP,
        ended_at=NORMALIZED_TIMESTAMP,
    )
    return msgspec.structs.replace(run, run=meta)
