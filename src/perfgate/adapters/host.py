"""The real host probe and clock."""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import platform
import socket
import sys

from perfgate.adapters.ports import HostProbeOptions
from perfgate.types.receipts import HostInfo

logger = logging.getLogger("perfgate")

# sys.platform prefixes and the names receipts use for them.
_OS_NAMES = (("linux", "linux"), ("darwin", "macos"), ("win32", "windows"))


class SystemHostProbe:
    """A host probe that reads this machine's facts; unreadable ones are None."""

    def probe(self, options: HostProbeOptions) -> HostInfo:
        return HostInfo(
            os=os_name(sys.platform),
            arch=platform.machine() or "unknown",
            cpu_count=os.cpu_count(),
            memory_bytes=_memory_bytes(),
            hostname_hash=_hostname_hash() if options.include_hostname_hash else None,
        )


class SystemClock:
    """Wall-clock time in UTC, for receipt timestamps."""

    def now_rfc3339(self) -> str:
        """Return the current UTC time with microseconds and a 'Z' suffix."""
        now = datetime.datetime.now(datetime.timezone.utc)
        return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def os_name(platform_name: str) -> str:
    """Return the receipt name of a ``sys.platform`` value, e.g. 'macos'."""
    for prefix, name in _OS_NAMES:
        if platform_name.startswith(prefix):
            return name
    return platform_name.lower()


def _memory_bytes() -> int | None:
    """Return total physical memory from sysconf, or None where it is missing."""
    try:
        page_size = os.sysconf("SC_PAGE_SIZE")
        pages = os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError) as exc:
        logger.debug("total memory unknown: %s", exc)
        return None
    if page_size <= 0 or pages <= 0:
        return None
    return int(page_size * pages)


def _hostname_hash() -> str | None:
    """Return the SHA-256 hex digest of the hostname, or None if it is unknown."""
    try:
        hostname = socket.gethostname()
    except OSError as exc:
        logger.debug("hostname unknown: %s", exc)
        return None
    return hashlib.sha256(hostname.encode("utf-8")).hexdigest()
