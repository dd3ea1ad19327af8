"""Tests of how the spawn helper is found, built and reported when missing.

The build step in setup.py is run in a scratch copy of the files it needs,
in a subprocess, so that these tests never write into the source tree.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from perfgate.adapters import spawn_helper
from perfgate.adapters.ports import CommandSpec
from perfgate.adapters.process import PosixProcessRunner

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="the runner is POSIX only"
)

REPO_ROOT = Path(__file__).resolve().parents[2]
ADAPTERS_DIR = REPO_ROOT / "src" / "perfgate" / "adapters"


@pytest.fixture
def fresh_lookup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Isolate find_spawn_helper: empty cache, no prebuilt helper, no override."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(spawn_helper.OVERRIDE_VARIABLE, raising=False)
    monkeypatch.setattr(spawn_helper, "PREBUILT_HELPER", tmp_path / "absent")
    spawn_helper.find_spawn_helper.cache_clear()
    yield tmp_path
    spawn_helper.find_spawn_helper.cache_clear()


def require_compiler() -> None:
    if spawn_helper.find_compiler() is None:
        pytest.skip("no C compiler, so the spawn helper cannot be built")


def perfgate_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "perfgate" and record.levelno >= logging.WARNING
    ]


# --- the prebuilt helper's name ----------------------------------------------------


def test_prebuilt_name_tracks_source(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = tmp_path / "helper.c"
    source.write_text("int main(void) { return 0; }\n")
    monkeypatch.setattr(spawn_helper, "HELPER_SOURCE", source)
    first = spawn_helper.prebuilt_helper_name()
    source.write_text("int main(void) { return 1; }\n")
    second = spawn_helper.prebuilt_helper_name()
    assert first.startswith(spawn_helper.PREBUILT_PREFIX)
    assert second.startswith(spawn_helper.PREBUILT_PREFIX)
    assert first != second


def test_prebuilt_path_is_beside_module() -> None:
    assert spawn_helper.PREBUILT_HELPER.parent == ADAPTERS_DIR
    assert spawn_helper.PREBUILT_HELPER.name == spawn_helper.prebuilt_helper_name()


def test_prebuilt_helper_preferred(
    monkeypatch: pytest.MonkeyPatch, fresh_lookup: Path
) -> None:
    require_compiler()
    prebuilt = fresh_lookup / spawn_helper.prebuilt_helper_name()
    assert spawn_helper.build_spawn_helper(prebuilt) == str(prebuilt)
    monkeypatch.setattr(spawn_helper, "PREBUILT_HELPER", prebuilt)
    assert spawn_helper.find_spawn_helper() == str(prebuilt)
    # Nothing was compiled into the cache.
    assert not (fresh_lookup / "cache").exists()


# --- one warning when no helper can be had ------------------------------------------


@pytest.mark.usefixtures("fresh_lookup")
def test_missing_compiler_warns_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("CC", "perfgate-no-such-compiler")
    caplog.set_level(logging.INFO, logger="perfgate")
    runner = PosixProcessRunner()
    for _ in range(2):
        assert runner.run(CommandSpec(argv=("true",))).exit_code == 0
    assert PosixProcessRunner().uses_helper is False
    warnings = perfgate_warnings(caplog)
    assert len(warnings) == 1
    assert "no C compiler found" in warnings[0]
    assert "max_rss_kb" in warnings[0]
    assert "\n" not in warnings[0]


@pytest.mark.usefixtures("fresh_lookup")
def test_compiler_error_first_line_only(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    script = "printf 'first problem\\nsecond problem\\n' >&2; exit 3"
    monkeypatch.setenv("CC", f"sh -c {script!r}")
    caplog.set_level(logging.INFO, logger="perfgate")
    assert spawn_helper.find_spawn_helper() is None
    warnings = perfgate_warnings(caplog)
    assert len(warnings) == 1
    assert "exit code 3" in warnings[0]
    assert "first problem" in warnings[0]
    assert "second problem" not in warnings[0]


@pytest.mark.usefixtures("fresh_lookup")
def test_override_off_does_not_warn(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(spawn_helper.OVERRIDE_VARIABLE, "off")
    caplog.set_level(logging.INFO, logger="perfgate")
    assert spawn_helper.find_spawn_helper() is None
    assert perfgate_warnings(caplog) == []


# --- the build step in setup.py ----------------------------------------------------

# Runs the build step as pip would: in editable mode it compiles in place.
BUILD_DRIVER = """
import sys

import setuptools  # noqa: F401  (provides distutils on Python 3.12+)
from distutils.core import run_setup

dist = run_setup("setup.py", stop_after="config")
command = dist.get_command_obj("build_spawn_helper")
command.build_lib = sys.argv[2]
command.editable_mode = sys.argv[1] == "editable"
command.ensure_finalized()
command.run()
print("\\n".join(command.get_outputs()))
print(repr(command.get_output_mapping()))
"""


@pytest.fixture
def build_tree(tmp_path: Path) -> Path:
    """Copy setup.py and the helper's files into a scratch project folder."""
    pytest.importorskip("setuptools")
    require_compiler()
    tree = tmp_path / "project"
    adapters = tree / "src" / "perfgate" / "adapters"
    adapters.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "setup.py", tree / "setup.py")
    for name in ("spawn_helper.py", "_spawn_helper.c"):
        shutil.copy(ADAPTERS_DIR / name, adapters / name)
    (tree / "driver.py").write_text(BUILD_DRIVER)
    return tree


def run_build_step(
    tree: Path, mode: str, build_lib: Path, env: dict[str, str] | None = None
) -> list[str]:
    completed = subprocess.run(
        [sys.executable, "driver.py", mode, str(build_lib)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.splitlines()


def test_build_step_fills_build_lib(build_tree: Path) -> None:
    build_lib = build_tree / "build" / "lib"
    lines = run_build_step(build_tree, "wheel", build_lib)
    expected = build_lib / "perfgate" / "adapters" / spawn_helper.prebuilt_helper_name()
    assert expected.is_file()
    # Every user of an installed package must be able to run it.
    assert stat.S_IMODE(expected.stat().st_mode) == 0o755
    assert str(expected) in lines
    assert lines[-1] == "{}"
    in_place = list((build_tree / "src" / "perfgate" / "adapters").glob("_spawn*-*"))
    assert in_place == []


def test_build_step_editable_in_place(build_tree: Path) -> None:
    adapters = build_tree / "src" / "perfgate" / "adapters"
    stale = adapters / f"{spawn_helper.PREBUILT_PREFIX}0000000000000000"
    stale.write_bytes(b"built from an older source")
    build_lib = build_tree / "build" / "lib"
    lines = run_build_step(build_tree, "editable", build_lib)
    helper = adapters / spawn_helper.prebuilt_helper_name()
    assert helper.is_file()
    assert os.access(helper, os.X_OK)
    assert not stale.exists()
    assert "src/perfgate/adapters/" + helper.name in lines[-1]


def test_built_helper_measures_small_rss(build_tree: Path) -> None:
    build_lib = build_tree / "build" / "lib"
    run_build_step(build_tree, "wheel", build_lib)
    helper = build_lib / "perfgate" / "adapters" / spawn_helper.prebuilt_helper_name()
    runner = PosixProcessRunner(helper_path=str(helper))
    result = runner.run(CommandSpec(argv=("true",)))
    assert result.exit_code == 0
    assert result.max_rss_kb is not None
    if sys.platform.startswith("linux"):
        # `true` needs about 1 MB; this test process has over 20 MB.
        assert result.max_rss_kb < 5_000


def test_build_step_without_compiler(build_tree: Path) -> None:
    build_lib = build_tree / "build" / "lib"
    env = dict(os.environ, CC="perfgate-no-such-compiler")
    lines = run_build_step(build_tree, "wheel", build_lib, env)
    assert any("was not compiled" in line for line in lines)
    assert list(build_lib.glob("**/_spawn_helper-*")) == []
