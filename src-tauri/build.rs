//! Every custom command is listed in the app manifest, so the capability files in
//! `src-tauri/capabilities/` must grant it before the UI can call it.

const COMMANDS: &[&str] = &["app_state", "login", "logout", "sync_now", "sync_status"];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("failed to run the Tauri build script");
}
