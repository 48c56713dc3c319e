#!/usr/bin/env bash
# deps.sh — installs the Debian packages cjx needs to build and test, when
# they are missing (through sudo when not root). Safe to run again.
set -euo pipefail

PACKAGES=(
    gcc libc6-dev make cmake pkg-config
    libzmq3-dev             # ZeroMQ (CURVE through libsodium)
    libprotobuf-c-dev protobuf-c-compiler
    liblmdb-dev
    libjansson-dev          # JSON
    libinih-dev             # INI configuration files
    libsodium-dev           # BLAKE2b digests of replicas (and CURVE keys)
    libmicrohttpd-dev       # the hub's HTTP listener (/metrics, /status, dashboard)
    libcmocka-dev jq        # unit tests; JSON in end-to-end tests
    prometheus              # promtool and a real Prometheus scraping the hub in a test
    chromium fonts-noto-cjk # the dashboard test: headless browser, Chinese fonts
    clang libclang-rt-14-dev    # libFuzzer, for the fuzz stage of scripts/test.sh
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "cjx: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
