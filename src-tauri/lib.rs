//! The desktop shell: opens the clinic engine on the app's data directory, runs its sync loop,
//! forwards the sync status to the window, and exposes the engine as typed commands.
//! No SQL and no rules live here.

mod commands;
mod error;
mod paths;
mod updates;

use std::sync::Arc;

use tauri::{Emitter, Manager};
use yoyaku_clinic::{Clinic, Schedule, Settings};

/// The event carrying every change of [`yoyaku_clinic::SyncStatus`].
pub const SYNC_STATUS_EVENT: &str = "sync-status";

/// Where the window's TypeScript bindings of [`ipc`] live, from the repository's root.
#[cfg(test)]
const BINDINGS: &str = "ui/src/lib/generated/ipc.ts";

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();

    let ipc = ipc();
    tauri::Builder::default()
        .plugin(tauri_plugin_sql::Builder::new().build())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .setup(|app| {
            let state = tauri::async_runtime::block_on(open_engine(app.handle()));
            let updates: commands::updates::UpdatesState = state.clone().map(|clinic| {
                start_background_tasks(app.handle().clone(), clinic.clone());
                updates::Updates::start(app.handle().clone(), clinic)
            });
            app.manage(state);
            app.manage(updates);
            Ok(())
        })
        .invoke_handler(ipc.invoke_handler())
        .run(tauri::generate_context!())
        .expect("error while running the yoyaku window");
}

/// Every command the window may call, with the types they take and answer: the one list behind
/// both the invoke handler and the generated TypeScript bindings.
pub fn ipc() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::new()
        .commands(tauri_specta::collect_commands![
            commands::session::app_state,
            commands::session::login,
            commands::session::logout,
            commands::session::renew_session,
            commands::dates::read_date,
            commands::information::terms_of_use,
            commands::information::contacts,
            commands::sync::sync_now,
            commands::sync::sync_status,
            commands::residents::lookup_ticket,
            commands::residents::register_resident,
            commands::residents::search_residents,
            commands::residents::resident_detail,
            commands::residents::out_of_municipality_reasons,
            commands::residents::check_out_of_municipality,
            commands::bookings::book,
            commands::bookings::cancel_booking,
            commands::bookings::change_booking,
            commands::bookings::check_same_day_move,
            commands::bookings::same_day_move,
            commands::bookings::check_in,
            commands::bookings::record_vaccination,
            commands::bookings::mark_no_show,
            commands::bookings::second_dose_plan,
            commands::bookings::mass_venue_offer,
            commands::bookings::book_at_mass_venue,
            commands::bookings::nearby_slots,
            commands::bookings::day_list,
            commands::bookings::save_day_list_csv,
            commands::bookings::open_vials,
            commands::bookings::offer_open_vial,
            commands::bookings::release_to_waitlist,
            commands::problems::sync_problems,
            commands::problems::rebook_problem,
            commands::problems::retry_problem,
            commands::problems::discard_problem,
            commands::problems::mark_problem_called,
            commands::problems::details_conflicts,
            commands::problems::resolve_details_conflict,
            commands::slot_reports::slot_reports,
            commands::slot_reports::submit_slot_report,
            commands::slot_reports::discard_unsent_report,
            commands::slot_reports::read_report_file,
            commands::slot_reports::save_report_file,
            commands::print::print_page,
            commands::updates::update_status,
            commands::updates::check_for_update,
            commands::updates::install_update,
        ])
        .typ::<yoyaku_clinic::SyncStatus>()
        .typ::<updates::UpdateStatus>()
        .constant("SYNC_STATUS_EVENT", SYNC_STATUS_EVENT)
        .constant("UPDATE_STATUS_EVENT", updates::UPDATE_STATUS_EVENT)
        // The catalogue's codes, for reading an error of unknown shape, and the window's own.
        .constant("ERROR_CODES", yoyaku_core::Code::ALL)
        .constant("WINDOW_ERRORS", error::WindowErrors::new())
        .error_handling(tauri_specta::ErrorHandlingMode::Throw)
        .disable_serde_phases()
}

/// The engine, or why it could not start (a broken settings file, say), which the window shows.
pub type EngineState = Result<Arc<Clinic>, error::CommandError>;

async fn open_engine(app: &tauri::AppHandle) -> EngineState {
    let dirs = paths::AppDirs::resolve(app)?;
    let settings = Settings::load(&dirs.config)?;
    tracing::info!(data_dir = %dirs.data.display(), server = %settings.server_url, "opening the clinic cache");
    Ok(Clinic::open(&dirs.data, settings).await?)
}

fn start_background_tasks(app: tauri::AppHandle, clinic: Arc<Clinic>) {
    let mut changes = clinic.subscribe();
    tauri::async_runtime::spawn(clinic.run_sync_loop(Schedule::default()));
    tauri::async_runtime::spawn(async move {
        while changes.changed().await.is_ok() {
            let status = changes.borrow_and_update().clone();
            if let Err(e) = app.emit(SYNC_STATUS_EVENT, status) {
                tracing::warn!(error = %e, "could not send the sync status to the window");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The committed bindings are what the commands' Rust types say today. Regenerate them with
    /// `YOYAKU_WRITE_BINDINGS=1 cargo test -p yoyaku --lib`.
    #[test]
    fn generated_bindings_are_fresh() {
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join(super::BINDINGS);
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("ipc.ts");
        super::ipc()
            // Every i64 that crosses is a count, a dose or a venue number: far inside 2^53. (Only
            // the TypeScript export has this setting: the app's own build has no exporter.)
            .dangerously_cast_bigints_to_number()
            .export(
                specta_typescript::Typescript::default().header(
                    "// Generated from the Rust commands and types by `generated_bindings_are_fresh`\n\
                     // (src-tauri/lib.rs): do not edit; regenerate with YOYAKU_WRITE_BINDINGS=1.",
                ),
                &fresh,
            )
            .expect("the IPC types export to TypeScript");
        let fresh = std::fs::read_to_string(fresh).unwrap();
        if std::env::var_os("YOYAKU_WRITE_BINDINGS").is_some() {
            std::fs::write(&committed, &fresh).unwrap();
        }
        let committed = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is stale: run `YOYAKU_WRITE_BINDINGS=1 cargo test -p yoyaku --lib` and commit it",
            super::BINDINGS
        );
    }
}
