#!/usr/bin/env bash
# Configures the clang build that scripts/test-sanitizers.sh and
# scripts/fuzz.sh share: AddressSanitizer + UndefinedBehaviorSanitizer on
# everything, -Wthread-safety -Werror (the ABSL_GUARDED_BY annotations checked),
# and the libFuzzer targets of tests/fuzz (CODI_FUZZ). ccache when present.
# Usage: scripts/configure-sanitizers.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:?usage: scripts/configure-sanitizers.sh BUILD_DIR}"
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="-O1 -g" -DCODI_SANITIZE=address,undefined -DCODI_THREAD_SAFETY=ON \
  -DCODI_FUZZ=ON -DCODI_WERROR=ON "${launcher[@]}" >/dev/null
