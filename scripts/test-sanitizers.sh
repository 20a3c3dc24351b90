#!/usr/bin/env bash
# Builds codi with AddressSanitizer and UndefinedBehaviorSanitizer and runs the
# whole test suite against that build (the binaries the integration tests
# start are sanitized too). Usage: scripts/test-sanitizers.sh [ctest args]
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${CODI_SANITIZER_BUILD_DIR:-build-asan}"
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-O1 -g" \
  -DCODI_SANITIZE=address,undefined -DCODI_WERROR=ON "${launcher[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
cd "$dir" && ctest --output-on-failure --timeout 900 "$@"
