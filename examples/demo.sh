#!/bin/sh
# The main job on the worked example: measure both benches, promote the runs
# to baselines, measure again and compare. Run it from anywhere with perfgate
# on PATH. It replaces artifacts/perfgate/ and examples/baselines/.
set -eu
cd "$(dirname "$0")/.."

rm -rf artifacts/perfgate examples/baselines

echo "== 1. check without baselines (expect exit 0 and a 'no baseline' comment)"
perfgate check --config examples/perfgate.toml --all
cat artifacts/perfgate/comment.md

echo "== 2. promote both runs to baselines"
for bench in sort-numbers hash-file; do
    perfgate promote --normalize \
        --current "artifacts/perfgate/$bench/run.json" \
        --to "examples/baselines/$bench.json"
done

echo "== 3. check again: a verdict per bench"
status=0
perfgate check --config examples/perfgate.toml --all || status=$?

echo "== the combined pull request comment (artifacts/perfgate/comment.md)"
cat artifacts/perfgate/comment.md
echo "perfgate check exit code: $status (0 pass or warn, 2 fail, 3 warn as fail)"

# On a noisy machine a fail verdict is a valid outcome of the demo. Only a
# tool error (exit 1) means that the demo itself went wrong.
[ "$status" -ne 1 ]
