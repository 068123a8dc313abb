# Sourced by test.sh, demo.sh and bench/: installs (apt-get) whatever of the
# toolchain is missing. Idempotent and quiet when everything is there.
RVRR_PACKAGES=(g++ cmake ninja-build libboost-dev libboost-program-options-dev libspdlog-dev
  doctest-dev gdb-multiarch gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf
  picolibc-riscv64-unknown-elf libdw-dev libelf-dev pkg-config qemu-user clang lld libclang-rt-14-dev python3
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross libasmjit-dev)

# What demo.sh needs: no qemu, clang or lld (those serve tests and benchmarks).
RVRR_DEMO_PACKAGES=(g++ cmake ninja-build libboost-dev libboost-program-options-dev libspdlog-dev
  doctest-dev gdb-multiarch gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf
  picolibc-riscv64-unknown-elf libdw-dev libelf-dev pkg-config libasmjit-dev)

# install_deps [PACKAGE...]: the given packages, default all of RVRR_PACKAGES.
install_deps() {
  local missing=()
  local wanted=("$@")
  [ ${#wanted[@]} -eq 0 ] && wanted=("${RVRR_PACKAGES[@]}")
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing missing packages: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}
