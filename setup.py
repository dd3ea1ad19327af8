"""Build step that compiles perfgate's native spawn helper into the package.

The project metadata is in pyproject.toml; this file only adds the step.
``perfgate.adapters.spawn_helper`` explains what the helper is for and how
perfgate finds it. The step writes the helper under the name that module
looks for (``_spawn_helper-<source hash>``):

* ``pip install .`` and wheel builds: into the build tree, so that the wheel
  contains it. Such a wheel gets the platform tag of the build machine
  (``py3-none-<platform>``), because it contains a native executable.
* ``pip install -e .``: in place, beside ``_spawn_helper.c`` in ``src/``.

Without a working C compiler the build still succeeds: it prints why, and
perfgate then compiles the helper on first use or measures without it.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

from setuptools import Command, Distribution, setup
from setuptools.command.build import build

# setuptools 70.1 and later have bdist_wheel; older ones use the wheel
# package's, and without either no wheel can be built at all.
bdist_wheel: Any
try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:
    try:
        from wheel.bdist_wheel import bdist_wheel
    except ImportError:
        bdist_wheel = None

PACKAGE = "perfgate.adapters"
SOURCE_DIR = Path("src") / "perfgate" / "adapters"
HELPER_SOURCE = SOURCE_DIR / "_spawn_helper.c"


def _load_spawn_helper_module() -> ModuleType:
    """Load spawn_helper.py by path: the package is not importable mid-build."""
    path = SOURCE_DIR / "spawn_helper.py"
    spec = importlib.util.spec_from_file_location("_perfgate_spawn_helper", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildSpawnHelper(Command):
    """Compile ``_spawn_helper.c`` into an executable inside the package."""

    description = "compile perfgate's native spawn helper"
    user_options: ClassVar[list[tuple[str, str | None, str]]] = []

    def initialize_options(self) -> None:
        self.build_lib: str | None = None
        self.editable_mode = False

    def finalize_options(self) -> None:
        self.set_undefined_options("build_py", ("build_lib", "build_lib"))

    def run(self) -> None:
        spawn_helper = _load_spawn_helper_module()
        name = spawn_helper.prebuilt_helper_name()
        if self.editable_mode:
            _remove_stale_helpers(SOURCE_DIR, keep=name)
        destination = self._output_dir() / name
        # Every user of an installed package runs the helper.
        built = spawn_helper.build_spawn_helper(destination, mode=0o755)
        if built is None:
            # build_spawn_helper has logged the cause already.
            print(
                "perfgate: the spawn helper was not compiled; perfgate will "
                "compile it on first use, or measure without it"
            )
        else:
            print(f"perfgate: compiled the spawn helper to {built}")

    def get_source_files(self) -> list[str]:
        return [str(HELPER_SOURCE)]

    def get_outputs(self) -> list[str]:
        return [str(self._build_path())]

    def get_output_mapping(self) -> dict[str, str]:
        # An editable install compiles in place; a wheel build has no source
        # file to map, because the helper is compiled, not copied.
        if not self.editable_mode:
            return {}
        return {str(self._build_path()): str(self._in_place_path())}

    def _output_dir(self) -> Path:
        if self.editable_mode:
            return SOURCE_DIR
        return self._build_path().parent

    def _build_path(self) -> Path:
        assert self.build_lib is not None
        name = _load_spawn_helper_module().prebuilt_helper_name()
        return Path(self.build_lib, *PACKAGE.split("."), name)

    def _in_place_path(self) -> Path:
        return SOURCE_DIR / self._build_path().name


def _remove_stale_helpers(directory: Path, *, keep: str) -> None:
    """Delete helpers compiled in place from an older source."""
    for path in directory.glob("_spawn_helper-*"):
        if path.name != keep and path.is_file():
            os.unlink(path)


class Build(build):
    sub_commands: ClassVar[list[tuple[str, Any]]] = [
        *build.sub_commands,
        ("build_spawn_helper", None),
    ]


class BinaryDistribution(Distribution):
    """A distribution that installs like one with extension modules."""

    def has_ext_modules(self) -> bool:
        # The helper is a native executable: install into platlib and build
        # a platform wheel.
        return True


commands: dict[str, Any] = {
    "build": Build,
    "build_spawn_helper": BuildSpawnHelper,
}

if bdist_wheel is not None:

    class PlatformWheel(bdist_wheel):  # type: ignore[misc,valid-type]
        """Tag the wheel for any Python 3 on the build platform.

        The helper does not use the Python C API, so the wheel depends on the
        platform only, not on the Python version or ABI.
        """

        def get_tag(self) -> tuple[str, str, str]:
            tag: tuple[Any, Any, str] = super().get_tag()
            return "py3", "none", tag[2]

    commands["bdist_wheel"] = PlatformWheel


setup(distclass=BinaryDistribution, cmdclass=commands)
