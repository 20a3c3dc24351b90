#!/usr/bin/env bash
# Installs every build and test dependency of codi from Debian packages.
# Idempotent: packages already present are left alone. Uses sudo when not root.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev prometheus-cpp-dev libcpp-httplib-dev
  libyaml-cpp-dev nlohmann-json3-dev libssl-dev libcli11-dev
  libgtest-dev libgmock-dev
  prometheus
  procps openssl
  clang
  python3 python3-yaml python3-kubernetes
  # headless Chromium opens `codi report --html` pages in ReportHtml.RendersInHeadlessChromium
  # (about 115 MB to download, 360 MB on disk); fonts-liberation gives it text to draw
  chromium fonts-liberation
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# kubectl (for `kubectl kustomize` in the deploy tests): Debian's
# kubernetes-client, unless a kubectl is already on the machine (another
# package of it would conflict with Debian's).
if ! command -v kubectl >/dev/null 2>&1 &&
  ! dpkg-query -W -f='${Status}' kubernetes-client 2>/dev/null | grep -q "install ok installed"; then
  missing+=(kubernetes-client)
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# libFuzzer and the sanitizer runtimes of Debian's default clang (scripts/fuzz.sh,
# scripts/test-sanitizers.sh) are in libclang-rt-N-dev, which clang only recommends.
# N follows the clang package, so it is looked up once the package lists are there.
clang_major="$(apt-cache depends clang 2>/dev/null | sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1)"
rt="libclang-rt-${clang_major}-dev"
if [ -n "$clang_major" ] && apt-cache show "$rt" >/dev/null 2>&1 &&
  ! dpkg-query -W -f='${Status}' "$rt" 2>/dev/null | grep -q "install ok installed"; then
  echo "install-deps: installing $rt"
  $SUDO apt-get install -y -qq --no-install-recommends "$rt"
  missing+=("$rt")
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
fi
