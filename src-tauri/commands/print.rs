//! 印刷: the system's print dialog for what the window shows (the print stylesheet picks the
//! list). `window.print()` is not enough: WebKitGTK ignores it inside the app's webview, and on
//! macOS only the webview's own call prints.

use crate::error::{CommandError, CommandResult};

/// Async so it runs off the main thread, which the dialog needs.
#[tauri::command]
#[specta::specta]
pub async fn print_page(webview: tauri::Webview) -> CommandResult<()> {
    webview.print().map_err(CommandError::print)
}
