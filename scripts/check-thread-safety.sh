#!/usr/bin/env bash
# Builds codi and its tests with clang and -Wthread-safety -Werror, so every
# ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED annotation is checked by a
# compiler (g++ ignores them). Usage: scripts/check-thread-safety.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build-tsa}"
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS=-O0 -DCODI_THREAD_SAFETY=ON -DCODI_WERROR=ON "${launcher[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)"
echo "thread-safety: clang -Wthread-safety -Werror build of every target passed"
