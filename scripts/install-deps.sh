#!/usr/bin/env bash
# Installs the Debian 12 packages Switchyard needs to build, test, fuzz and benchmark.
# Idempotent: installs only what is missing; uses sudo when not run as root.
set -euo pipefail

packages=(
  # toolchain and build
  g++ cmake ninja-build ccache make pkg-config git
  clang libclang-rt-14-dev clang-format
  # libraries
  libboost1.81-dev libboost-json1.81-dev libboost-system1.81-dev
  libssl-dev openssl curl tzdata liblmdb-dev lmdb-utils libxxhash-dev
  libtomlplusplus-dev libcli11-dev libhowardhinnant-date-dev
  libp11-kit-dev softhsm2
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # make bench-e2e: the TLS ceiling (nginx), the plots, reading the driver's JSON
  nginx-light gnuplot-nox jq
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
