//! Build script: an rpath to libmujoco (unpacked by scripts/setup.sh into .deps/mujoco/lib, named by
//! MUJOCO_DYNAMIC_LINK_DIR in .cargo/config.toml) on the `bench` binary, so it runs outside cargo.
fn main() {
    println!("cargo::rerun-if-env-changed=MUJOCO_DYNAMIC_LINK_DIR");
    if let Some(dir) = std::env::var_os("MUJOCO_DYNAMIC_LINK_DIR") {
        println!("cargo::rustc-link-arg-bins=-Wl,-rpath,{}", std::path::Path::new(&dir).display());
    }
}
