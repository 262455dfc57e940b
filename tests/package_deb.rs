//! The .deb a clinic installs, as `tauri build --bundles deb` makes it (`./scripts/test` builds it
//! before the tests): what it declares, what it puts where, and the installed binary itself,
//! unpacked into a scratch root, started against a real city server and logged in to through the
//! real window. The package works, not only the build.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use support::city::City;
use support::desktop::{Desktop, log_in_to_top, require, text_of};

/// The package of this version for this machine, from `YOYAKU_DEB` or where `tauri build` leaves
/// it.
fn package() -> PathBuf {
    if let Some(path) = std::env::var_os("YOYAKU_DEB").filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let arch = output(Command::new("dpkg").arg("--print-architecture"));
    let path = target.join("release/bundle/deb").join(format!(
        "yoyaku_{}_{}.deb",
        env!("CARGO_PKG_VERSION"),
        arch.trim()
    ));
    assert!(
        path.is_file(),
        "{} is not built: run `npx tauri build --bundles deb` (./scripts/test does)",
        path.display()
    );
    // A package older than the app's sources is not the app being tested.
    let built = modified(&path);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for source in [
        "Cargo.toml",
        "Cargo.lock",
        "tauri.conf.json",
        "src-tauri",
        "crates/core/src",
        "crates/clinic/src",
        "crates/clinic/migrations",
        "ui/src",
    ] {
        if let Some((file, changed)) = newest(&root.join(source)) {
            assert!(
                changed <= built,
                "{} is older than {}: rebuild it with `npx tauri build --bundles deb`",
                path.display(),
                file.display()
            );
        }
    }
    path
}

fn modified(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

/// The most recently changed file at or under `path`.
fn newest(path: &Path) -> Option<(PathBuf, SystemTime)> {
    if path.is_file() {
        return Some((path.to_owned(), modified(path)));
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(|entry| newest(&entry.ok()?.path()))
        .max_by_key(|(_, changed)| *changed)
}

fn output(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn field(deb: &Path, name: &str) -> String {
    output(Command::new("dpkg-deb").arg("--field").arg(deb).arg(name))
        .trim()
        .to_owned()
}

/// The package unpacked as dpkg would install it, into a scratch root.
fn unpack(deb: &Path) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    output(Command::new("dpkg-deb").arg("-x").arg(deb).arg(root.path()));
    root
}

#[test]
fn the_package_names_itself_and_every_library_it_needs() {
    let deb = package();
    assert_eq!(field(&deb, "Package"), "yoyaku");
    assert_eq!(field(&deb, "Version"), env!("CARGO_PKG_VERSION"));
    let depends = field(&deb, "Depends");
    for library in ["libwebkit2gtk-4.1-0", "libgtk-3-0"] {
        assert!(depends.contains(library), "Depends: {depends}");
    }
    // Each dependency is a package this Debian has installed: apt would take the .deb as it is.
    for dependency in depends.split(',') {
        let alternatives: Vec<&str> = dependency
            .split('|')
            .map(|a| a.split_whitespace().next().unwrap_or_default())
            .collect();
        let installed = alternatives.iter().any(|name| {
            Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", name])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        });
        assert!(
            installed,
            "no package installed for the dependency {dependency}"
        );
    }

    let root = unpack(&deb);
    let binary = root.path().join("usr/bin/yoyaku");
    assert!(binary.is_file(), "the package has no usr/bin/yoyaku");
    // Every shared library the binary loads is found on this system.
    let linked = output(Command::new("ldd").arg(&binary));
    assert!(!linked.contains("not found"), "{linked}");
    // What clinics run is stripped (the release profile): no symbol table to carry.
    let sections = output(Command::new("readelf").arg("-S").arg(&binary));
    assert!(!sections.contains(".symtab"), "the binary is not stripped");

    let desktop =
        std::fs::read_to_string(root.path().join("usr/share/applications/yoyaku.desktop"))
            .expect("the package's menu entry");
    for line in [
        "Exec=yoyaku",
        "Name=yoyaku",
        "Icon=yoyaku",
        "Categories=Science;MedicalSoftware;",
    ] {
        assert!(
            desktop.lines().any(|l| l == line),
            "{line} missing from:\n{desktop}"
        );
    }
    assert!(
        root.path()
            .join("usr/share/icons/hicolor/128x128/apps/yoyaku.png")
            .is_file(),
        "the menu entry's icon"
    );
}

#[tokio::test]
async fn the_installed_app_opens_and_logs_in_to_the_city() {
    for tool in ["dpkg-deb", "ldd", "readelf"] {
        require(tool);
    }
    let root = unpack(&package());
    let city = City::start().await;
    let data = tempfile::tempdir().unwrap();
    let desktop = Desktop::start(&city, data.path());
    let client = desktop
        .open_binary(&root.path().join("usr/bin/yoyaku"))
        .await;

    assert_eq!(client.title().await.unwrap(), "yoyaku 予約受付");
    log_in_to_top(&client, &city).await;
    let clinic = text_of(&client, "clinic-name").await;
    assert!(clinic.contains("A胃腸科内科医院"), "{clinic}");
    client.close().await.unwrap();
}
