#!/usr/bin/env bash
# test.sh — builds cjx with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-asan/ and runs the whole test suite under ctest. Extra arguments go to
# ctest (e.g. `-L unit` for the unit tests only, `-LE slow` to skip slow ones).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build-asan -DCJX_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cd build-asan
ctest --output-on-failure -j2 "$@"
