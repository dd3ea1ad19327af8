"""The promote use case: turn a run receipt into a baseline."""

from __future__ import annotations

import msgspec

# Stand-ins that make a promoted baseline identical however often it is
# promoted, so that re-promoting an unchanged run leaves no diff in git.
NORMALIZED_RUN_ID = "baseline"
NORMALIZED_TIMESTAMP = "1970-01-01T00:00:00Z"


def promote_document(data: bytes, *, normalize: bool, pretty: bool) -> bytes:
    """Return the bytes of a baseline made from a validated run receipt's bytes.

    Works on the JSON document rather than the typed receipt, so fields that
    this version of perfgate does not know (written by a newer perfgate or by
    another tool) survive promotion. Without ``normalize`` or ``pretty`` the
    bytes are returned unchanged. The caller must have validated ``data`` as
    a ``perfgate.run.v1`` receipt first.
    """
    if not normalize and not pretty:
        return data
    if normalize:
        document = msgspec.json.decode(data.removeprefix(b"\xef\xbb\xbf"))
        meta = document["run"]
        meta["id"] = NORMALIZED_RUN_ID
        meta["started_at"] = NORMALIZED_TIMESTAMP
        meta["ended_at"] = NORMALIZED_TIMESTAMP
        output = msgspec.json.encode(document)
    else:
        output = data.removeprefix(b"\xef\xbb\xbf").strip()
    if pretty:
        output = msgspec.json.format(output, indent=2)
    return output.rstrip(b"\n") + b"\n"
