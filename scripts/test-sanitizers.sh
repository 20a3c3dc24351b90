#!/usr/bin/env bash
# Builds codi with clang, AddressSanitizer and UndefinedBehaviorSanitizer and
# -Wthread-safety -Werror (scripts/configure-sanitizers.sh), runs the whole
# test suite against that build (the binaries the integration tests start are
# sanitized too), then fuzzes every target of tests/fuzz briefly on the same
# build (scripts/fuzz.sh). Usage: scripts/test-sanitizers.sh [ctest args]
# CODI_SANITIZER_BUILD_DIR (default build-asan) names the build directory;
# CODI_CI_FUZZ_SECONDS (default 15) the time per fuzz target, 0 for none.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${CODI_SANITIZER_BUILD_DIR:-build-asan}"
fuzz_seconds="${CODI_CI_FUZZ_SECONDS:-15}"
bash scripts/configure-sanitizers.sh "$dir"
cmake --build "$dir" -j "$(nproc)"
echo "sanitizers: clang -Wthread-safety -Werror build with ASan+UBSan of every target passed"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
(cd "$dir" && ctest --output-on-failure --timeout 900 "$@")
if [ "$fuzz_seconds" -gt 0 ]; then
  CODI_FUZZ_BUILD_DIR="$dir" bash scripts/fuzz.sh "$fuzz_seconds"
fi
