#!/usr/bin/env bash
# test.sh — builds cjx with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-asan/ and runs the whole test suite under ctest. Extra arguments go to
# ctest (e.g. `-L unit` for the unit tests only, `-LE slow` to skip slow ones).
#
# Then, for the whole suite (no arguments), a second stage: the libFuzzer
# harnesses of tests/fuzz/, built with clang in build-fuzz/, each fuzzed for
# 15 s (ctest -L fuzz; about 35 s on two cores). CJX_FUZZ_STAGE=0 skips it,
# CJX_FUZZ_STAGE=1 runs it even when arguments select tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build-asan -DCJX_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ctest --output-on-failure -j2 "$@")

stage=${CJX_FUZZ_STAGE:-$([ $# -eq 0 ] && echo 1 || echo 0)}
[ "$stage" = 1 ] || exit 0
CC=clang cmake -S . -B build-fuzz -DCJX_SANITIZE=ON -DCJX_FUZZ=ON -DCJX_TESTS=ON >/dev/null
cmake --build build-fuzz --target cjx_fuzzers -j"$(nproc)"
cd build-fuzz
ctest --output-on-failure -j2 -L '^fuzz$'
