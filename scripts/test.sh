#!/usr/bin/env bash
# Lint and test reflib, first installing what the tests need: the virtual environment
# with the test and serve extras, and Debian's chromium for the browser test (Playwright
# drives it; it never downloads a browser). Arguments go to pytest. Safe to run again:
# when everything is installed it goes straight to ruff and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi

# Reinstall only when pyproject.toml changed since the last install here.
stamp=.venv/.reflib-test-extras
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    .venv/bin/python -m pip install --quiet -e '.[test,serve]'
    echo "$wanted" > "$stamp"
fi

if [ ! -x /usr/bin/chromium ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
