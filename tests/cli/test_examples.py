"""The worked example in examples/: its README commands run as documented."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from perfgate.domain.config import resolve_config
from perfgate.types.codec import decode_compare, decode_report
from perfgate.types.config import decode_config

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO_ROOT / "examples"
CONFIG = "examples/perfgate.toml"
OUT_DIR = Path("artifacts/perfgate")
VERDICT_CELLS = ("✅ pass", "⚠️ warn", "❌ fail")


def readme_commands() -> list[list[str]]:
    """Return the `perfgate` and `mkdir` commands of the README's sh blocks."""
    text = (EXAMPLES_DIR / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line)
            if words and words[0] in ("perfgate", "mkdir"):
                commands.append(words)
    return commands


def bench_names() -> list[str]:
    path = EXAMPLES_DIR / "perfgate.toml"
    config = resolve_config(decode_config(path.read_bytes(), str(path)), str(path))
    return [bench.name for bench in config.benches]


def run_command(words: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one README command in ``cwd``, with this checkout's perfgate."""
    if words[0] == "mkdir":
        return subprocess.run(
            words, cwd=cwd, capture_output=True, text=True, check=True
        )
    environment = {
        key: value for key, value in os.environ.items() if key != "GITHUB_STEP_SUMMARY"
    }
    environment["PYTHONPATH"] = str(REPO_ROOT / "src")
    return subprocess.run(
        [sys.executable, "-m", "perfgate", *words[1:]],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of examples/ without baselines or artifacts, as in a fresh clone."""
    if shutil.which("python3") is None:
        pytest.skip("the example benches run `python3`, which is not on PATH")
    shutil.copytree(
        EXAMPLES_DIR,
        tmp_path / "examples",
        ignore=shutil.ignore_patterns("baselines", "artifacts", "__pycache__"),
    )
    return tmp_path


def test_example_config_is_valid() -> None:
    names = bench_names()
    assert len(names) >= 2
    assert "sort-numbers" in names
    assert "hash-file" in names


def test_readme_steps_are_in_order() -> None:
    commands = readme_commands()
    check_all = ["perfgate", "check", "--config", CONFIG, "--all"]
    assert commands[0] == check_all
    promotes = [words for words in commands if words[1:2] == ["promote"]]
    assert [words[words.index("--to") + 1] for words in promotes] == [
        f"examples/baselines/{name}.json" for name in bench_names()
    ]
    assert commands.index(check_all, 1) > commands.index(promotes[-1])


def test_readme_walkthrough_runs(checkout: Path) -> None:
    names = bench_names()
    commands = readme_commands()
    out = checkout / OUT_DIR

    first = run_command(commands[0], checkout)
    assert first.returncode == 0, first.stderr
    combined = (out / "comment.md").read_text(encoding="utf-8")
    for name in names:
        assert f"| `{name}` | ⚠️ no baseline | no baseline |" in combined
        comment = (out / name / "comment.md").read_text(encoding="utf-8")
        assert "no baseline" in comment
        report = decode_report((out / name / "report.json").read_bytes(), name)
        assert report.verdict.reasons == ["no_baseline"]
        assert f'perfgate: warning: bench "{name}": no baseline' in first.stderr

    second_check = commands.index(commands[0], 1)
    for words in commands[1:second_check]:
        completed = run_command(words, checkout)
        assert completed.returncode == 0, completed.stderr
    for name in names:
        assert (checkout / "examples" / "baselines" / f"{name}.json").is_file()

    second = run_command(commands[second_check], checkout)
    # Timing noise may warn or fail a bench, but nothing may be a tool error.
    assert second.returncode in (0, 2), second.stderr
    combined = (out / "comment.md").read_text(encoding="utf-8")
    assert combined.count("\n| `") == len(names)
    for name in names:
        row = next(line for line in combined.splitlines() if f"| `{name}` |" in line)
        assert row.split(" | ")[1] in VERDICT_CELLS
        compare = decode_compare((out / name / "compare.json").read_bytes(), name)
        assert compare.baseline_ref.run_id == "baseline"
        assert re.search(
            rf"^perfgate: {re.escape(name)}: (pass|warn|fail) \(", second.stderr, re.M
        )

    for words in commands[second_check + 1 :]:
        completed = run_command(words, checkout)
        assert completed.returncode in (0, 2), completed.stderr
        single = checkout / words[words.index("--out-dir") + 1]
        assert (single / "compare.json").is_file()
