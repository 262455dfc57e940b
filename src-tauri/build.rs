//! Every custom command is listed in the app manifest, so the capability files in
//! `src-tauri/capabilities/` must grant it before the UI can call it.

const COMMANDS: &[&str] = &[
    "app_state",
    "login",
    "logout",
    "renew_session",
    "sync_now",
    "sync_status",
    "lookup_ticket",
    "register_resident",
    "search_residents",
    "resident_detail",
    "out_of_municipality_reasons",
    "check_out_of_municipality",
    "book",
    "cancel_booking",
    "change_booking",
    "check_same_day_move",
    "same_day_move",
    "check_in",
    "record_vaccination",
    "mark_no_show",
    "second_dose_plan",
    "mass_venue_offer",
    "book_at_mass_venue",
    "nearby_slots",
    "day_list",
    "save_day_list_csv",
    "open_vials",
    "offer_open_vial",
    "release_to_waitlist",
    "sync_problems",
    "rebook_problem",
    "retry_problem",
    "discard_problem",
    "mark_problem_called",
    "details_conflicts",
    "resolve_details_conflict",
    "slot_reports",
    "submit_slot_report",
    "discard_unsent_report",
    "read_report_file",
    "save_report_file",
    "print_page",
    "terms_of_use",
    "contacts",
    "read_date",
    "update_status",
    "check_for_update",
    "install_update",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("failed to run the Tauri build script");
}
