#!/usr/bin/env bash
# build.sh [BUILD_DIR] [CMAKE_ARGS...] — installs what is missing, then
# configures and builds cjx (default folder: build/).
set -euo pipefail
cd "$(dirname "$0")/.."
"$PWD/scripts/deps.sh"
dir=${1:-build}
[ $# -gt 0 ] && shift
cmake -S . -B "$dir" "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
