//! Errors as they cross IPC: `{code, message_ja, message_en}`, the same shape the engine uses.

use serde::Serialize;
use yoyaku_clinic::{ClinicError, ErrorInfo};

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(transparent)]
pub struct CommandError(ErrorInfo);

impl CommandError {
    /// The platform could not tell us where to keep data: nothing can work.
    pub fn startup(err: impl std::fmt::Display) -> Self {
        Self(ErrorInfo {
            code: "app.startup".into(),
            message_ja: format!("アプリを起動できませんでした: {err}"),
            message_en: format!("the app could not start: {err}"),
            fields: Vec::new(),
            way_out: None,
        })
    }

    /// The system would not open its print dialog.
    pub fn print(err: impl std::fmt::Display) -> Self {
        Self(ErrorInfo {
            code: "app.print".into(),
            message_ja: format!(
                "印刷画面を開けませんでした（{err}）。プリンターの設定を確認するか、CSV出力をご利用ください。"
            ),
            message_en: format!(
                "The print dialog could not be opened ({err}). Check the printer settings, or export the list as CSV."
            ),
            fields: Vec::new(),
            way_out: None,
        })
    }
}

impl From<ClinicError> for CommandError {
    fn from(e: ClinicError) -> Self {
        Self(ErrorInfo::from(&e))
    }
}

pub type CommandResult<T> = Result<T, CommandError>;
