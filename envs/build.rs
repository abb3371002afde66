//! Build script: lets `envs`'s binaries, tests and examples (and `cargo run`/`cargo test` of crates that
//! depend on it) find libmujoco at run time, with nothing exported by hand.
//!
//! mujoco-rs links `-lmujoco` from `MUJOCO_DYNAMIC_LINK_DIR` (set in `.cargo/config.toml` to the
//! `.deps/mujoco/lib` that `scripts/setup.sh` fills), but the loader does not look there. Two fixes:
//! an rpath on this package's own executables, and a link to the library inside `OUT_DIR` declared
//! as a native search path: cargo puts search paths that lie inside the target folder on the loader
//! path of everything it runs (`cargo run`, `cargo test`), in every crate of the workspace.
use std::path::{Path, PathBuf};

const LIB: &str = "libmujoco.so.3.17.0";

fn main() {
    println!("cargo::rerun-if-env-changed=MUJOCO_DYNAMIC_LINK_DIR");
    let Some(dir) = std::env::var_os("MUJOCO_DYNAMIC_LINK_DIR").map(PathBuf::from) else {
        panic!("MUJOCO_DYNAMIC_LINK_DIR is not set: build inside the workspace (see .cargo/config.toml)");
    };
    let lib = dir.join(LIB);
    println!("cargo::rerun-if-changed={}", lib.display());
    if !lib.is_file() {
        panic!("{} is missing: run `bash scripts/setup.sh` first (it unpacks MuJoCo into .deps/)", lib.display());
    }
    println!("cargo::rustc-link-arg=-Wl,-rpath,{}", dir.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("mujoco-lib");
    link_into(&lib, &out.join(LIB));
    println!("cargo::rustc-link-search=native={}", out.display());
}

/// Points `dst` at `src` (a symlink, replaced when it exists).
fn link_into(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst.parent().expect("has a parent")).expect("create OUT_DIR/mujoco-lib");
    let _ = std::fs::remove_file(dst);
    std::os::unix::fs::symlink(src, dst).expect("symlink libmujoco into OUT_DIR");
}
