//! Errors as they cross IPC: `{code, message_ja, message_en}`, the same shape the engine uses.

use serde::Serialize;
use yoyaku_clinic::{ClinicError, ErrorInfo};
use yoyaku_core::Code;

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(transparent)]
pub struct CommandError(ErrorInfo);

impl CommandError {
    /// The platform could not tell us where to keep data: nothing can work.
    pub fn startup(err: impl std::fmt::Display) -> Self {
        Self(ErrorInfo {
            code: Code::AppStartup,
            message_ja: format!("アプリを起動できませんでした: {err}"),
            message_en: format!("the app could not start: {err}"),
            fields: Vec::new(),
            way_out: None,
        })
    }

    pub fn from_info(info: ErrorInfo) -> Self {
        Self(info)
    }

    /// The system would not open its print dialog.
    pub fn print(err: impl std::fmt::Display) -> Self {
        Self(ErrorInfo {
            code: Code::AppPrint,
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

/// The errors the window finds by itself, before anything reaches the engine. Their codes are the
/// catalogue's and their words are here, so that the window holds no error text of its own; the
/// bindings carry them as the constant `WINDOW_ERRORS`.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct WindowErrors {
    /// Anything a command or the SQL plugin rejected with that is not one of our errors.
    pub unknown: ErrorInfo,
    /// The window was not told where the cache it reads lives.
    pub no_cache: ErrorInfo,
    /// 接種記録 without a ロット番号.
    pub lot_required: ErrorInfo,
    /// A 接種時刻 that is not hours:minutes.
    pub time_invalid: ErrorInfo,
}

impl WindowErrors {
    pub fn new() -> Self {
        let info = |code, ja: &str, en: &str| ErrorInfo {
            code,
            message_ja: ja.into(),
            message_en: en.into(),
            fields: Vec::new(),
            way_out: None,
        };
        Self {
            unknown: info(
                Code::Unknown,
                "予期しないエラーが発生しました。もう一度お試しください。",
                "An unexpected error occurred. Please try again.",
            ),
            no_cache: info(
                Code::NoCache,
                "この端末に保存したデータの場所が分かりません。アプリを終了して、もう一度起動してください。",
                "The place of the data saved on this computer is unknown. Close the app and start it again.",
            ),
            lot_required: info(
                Code::LotRequired,
                "ロット番号を入力してから「接種記録」を押してください。",
                "Type the lot number, then press Record vaccination.",
            ),
            time_invalid: info(
                Code::TimeInvalid,
                "接種時刻は 10:05 のように「時:分」で入力してください。空欄なら今の時刻で記録します。",
                "Type the time as hours:minutes, such as 10:05. Leave it empty to record now.",
            ),
        }
    }
}
