# Debian 12 packages, by what needs them. Sourced by tools/run and tools/test.
# install_packages GROUP... installs what is missing (as root, with apt-get).

pkgs_build="meson ninja-build pkg-config g++ cmake libuv1-dev libmimalloc-dev doctest-dev
  libtoml11-dev libcurl4-openssl-dev libunwind-dev libdw-dev zlib1g-dev libzstd-dev libncurses-dev
  libhttp-parser-dev"
pkgs_test="$pkgs_build libspdlog-dev influxdb influxdb-client netcat-openbsd socat curl
  clang libclang-rt-14-dev clang-format heaptrack iproute2 cpio qemu-system-x86
  linux-image-amd64 vagrant vagrant-libvirt python3 xz-utils zstd podman runc golang-go
  chromium chromium-driver python3-selenium tmux prometheus prometheus-node-exporter wrk"

install_packages() {
  local want="" missing=""
  for group in "$@"; do
    local var="pkgs_$group"
    want="$want ${!var}"
  done
  for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "installing:$missing" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing packages and not root; run as root or: apt-get install$missing" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}
