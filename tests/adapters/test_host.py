"""Tests of the real host probe and clock."""

from __future__ import annotations

import datetime
import hashlib
import os
import platform
import re
import socket
import sys

import pytest

from perfgate.adapters.host import SystemClock, SystemHostProbe, os_name
from perfgate.adapters.ports import HostProbeOptions

RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def test_probe_reports_this_machine() -> None:
    info = SystemHostProbe().probe(HostProbeOptions())
    expected_os = {"linux": "linux", "darwin": "macos"}.get(sys.platform, sys.platform)
    assert info.os == expected_os
    assert info.arch == platform.machine()
    assert info.cpu_count == os.cpu_count()


def test_probe_memory_matches_sysconf() -> None:
    info = SystemHostProbe().probe(HostProbeOptions())
    expected = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert info.memory_bytes == expected
    assert info.memory_bytes > 64 * 1024 * 1024


def test_hostname_hash_only_on_request() -> None:
    probe = SystemHostProbe()
    assert probe.probe(HostProbeOptions()).hostname_hash is None
    hashed = probe.probe(HostProbeOptions(include_hostname_hash=True)).hostname_hash
    assert hashed == hashlib.sha256(socket.gethostname().encode()).hexdigest()
    assert hashed is not None
    assert re.fullmatch(r"[0-9a-f]{64}", hashed)


def test_missing_sysconf_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported(_name: str) -> int:
        raise ValueError("unrecognized configuration name")

    monkeypatch.setattr(os, "sysconf", unsupported)
    assert SystemHostProbe().probe(HostProbeOptions()).memory_bytes is None


def test_unknown_cpu_count_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert SystemHostProbe().probe(HostProbeOptions()).cpu_count is None


def test_hostname_failure_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing() -> str:
        raise OSError("no hostname")

    monkeypatch.setattr(socket, "gethostname", failing)
    info = SystemHostProbe().probe(HostProbeOptions(include_hostname_hash=True))
    assert info.hostname_hash is None


@pytest.mark.parametrize(
    ("platform_name", "expected"),
    [
        ("linux", "linux"),
        ("darwin", "macos"),
        ("win32", "windows"),
        ("SunOS5", "sunos5"),
    ],
)
def test_os_name_mapping(platform_name: str, expected: str) -> None:
    assert os_name(platform_name) == expected


def test_clock_format_is_rfc3339_utc() -> None:
    stamp = SystemClock().now_rfc3339()
    assert RFC3339_UTC.fullmatch(stamp)


def test_clock_is_current_utc() -> None:
    before = datetime.datetime.now(datetime.timezone.utc)
    stamp = SystemClock().now_rfc3339()
    after = datetime.datetime.now(datetime.timezone.utc)
    parsed = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc
    )
    assert before <= parsed <= after
