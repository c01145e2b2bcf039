#!/usr/bin/env bash
# The test suite, as the README gives it and CI runs it: install what the tests need
# (headless Chromium and its driver for the browser test in tests/e2e, from Debian's
# packages, only when missing; the package with its test extra), then run pytest.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    echo "== installing chromium and chromium-driver (Debian packages) for tests/e2e"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
fi

python3 -m pip install -q -e '.[test]'
exec python3 -m pytest "$@"
