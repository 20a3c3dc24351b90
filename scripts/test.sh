#!/usr/bin/env bash
# Installs dependencies, builds codi with warnings as errors, runs the whole
# test suite with CTest. Usage: scripts/test.sh [extra ctest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCODI_WERROR=ON
cmake --build build -j "$(nproc)"
cd build && ctest --output-on-failure --timeout 600 "$@"
