#!/usr/bin/env bash
# Schemathesis (a property-based API fuzzer, from PyPI) in a virtual environment of its own under
# .cache/, pinned; test/api/v1/fuzz-document.test.ts runs it. Prints the path of its `st` command.
# Idempotent: a complete install is kept; an interrupted one is made again.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=4.32.5
venv=".cache/schemathesis-$version"
if ! [ -x "$venv/bin/st" ] || ! [ -f "$venv/.complete" ]; then
  rm -rf "$venv"
  mkdir -p .cache
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version" >&2
  touch "$venv/.complete"
fi
echo "$PWD/$venv/bin/st"
