//! What can go wrong in the clinic engine, each with a stable code and a message in Japanese and
//! English that tells the receptionist what to do next.

use yoyaku_core::{Code, Coded, Problem};

#[derive(Debug, thiserror::Error)]
pub enum ClinicError {
    /// Input refused by a domain rule before anything was sent or written.
    #[error("{en}")]
    Invalid { code: Code, ja: String, en: String },
    /// A form with one or more fields refused, each with its own code and messages, so the form can
    /// show every error under its field at once.
    #[error("{} field(s) need correcting", .0.len())]
    InvalidFields(Vec<FieldProblem>),
    /// Another account's work on this device has not reached the city server yet.
    #[error(
        "{pending} change(s) made by account {account} on this computer have not been sent yet"
    )]
    OtherAccountsWorkUnsent { account: String, pending: i64 },
    /// The city server answered and refused.
    #[error("{}", .0.message_en)]
    Rejected(Box<Problem>),
    /// The city server refused a booking while the receptionist waited for its answer.
    #[error("{}", .0.en)]
    RefusedByCity(Box<CityRefusal>),
    /// The city server could not be reached (or is failing); the work is safe locally.
    #[error("the city server cannot be reached: {0}")]
    Unreachable(String),
    /// The network is down and this device has never logged in with this account.
    #[error(
        "the city server cannot be reached, and this account has not logged in on this device before"
    )]
    NoCachedLogin,
    #[error("the municipality code, account ID or password is not correct")]
    InvalidCredentials,
    #[error("please log in first")]
    NotLoggedIn,
    /// Logged in offline, and the cache holds no session token this computer can open (a copied
    /// cache, or one from a computer without a machine id).
    #[error("log in again while online to reach the city server")]
    LogInAgainOnline,
    /// The city server no longer knows the session (it expired, say, while the app was offline):
    /// the password again renews it, and the unsent work waits meanwhile.
    #[error(
        "the login has expired; please enter the password again. Unsent work stays on this computer and is sent once you are logged in"
    )]
    SessionExpired,
    #[error("the local database failed: {0}")]
    Storage(#[from] sqlx::Error),
    #[error("the local database could not be migrated: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A list could not be saved as a file where asked.
    #[error("the file could not be saved in {}: {source}", .dir.display())]
    Export {
        dir: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("unexpected answer from the city server: {0}")]
    Protocol(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ClinicError {
    /// Wraps a domain error (a bad 自治体番号, say) keeping its code and both messages.
    pub fn invalid(err: &dyn Coded) -> Self {
        Self::Invalid {
            code: err.code(),
            ja: err.message_ja(),
            en: err.message_en(),
        }
    }

    /// Turns a form's field errors into one error that keeps every field's.
    pub fn fields(errors: &[yoyaku_core::resident::FieldError]) -> Self {
        Self::InvalidFields(
            errors
                .iter()
                .map(|e| FieldProblem {
                    field: e.field().to_owned(),
                    code: e.error().code(),
                    message_ja: e.error().message_ja(),
                    message_en: e.error().message_en(),
                })
                .collect(),
        )
    }

    /// True when the failure is the network's, so the caller may fall back to the cache.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unreachable(_))
    }
}

impl Coded for ClinicError {
    fn code(&self) -> Code {
        match self {
            Self::Invalid { code, .. } => *code,
            Self::InvalidFields(_) => Code::FormInvalid,
            Self::OtherAccountsWorkUnsent { .. } => Code::SyncOtherAccountUnsent,
            Self::Rejected(p) => p.known_code(),
            Self::RefusedByCity(r) => r.code,
            Self::Unreachable(_) => Code::NetworkUnreachable,
            Self::NoCachedLogin => Code::AuthOfflineFirstLogin,
            Self::InvalidCredentials => Code::AuthInvalidCredentials,
            Self::NotLoggedIn => Code::AuthNotLoggedIn,
            Self::LogInAgainOnline => Code::AuthLogInAgainOnline,
            Self::SessionExpired => Code::AuthSessionExpired,
            Self::Storage(_) | Self::Migration(_) => Code::LocalStorage,
            Self::Export { .. } => Code::ExportWriteFailed,
            Self::Protocol(_) => Code::ServerProtocol,
            Self::Internal(_) => Code::Internal,
        }
    }

    fn message_ja(&self) -> String {
        match self {
            Self::Invalid { ja, .. } => ja.clone(),
            Self::InvalidFields(fields) => format!("入力内容に誤りがあります（{}件）。各項目の説明に沿って修正してください。", fields.len()),
            Self::OtherAccountsWorkUnsent { account, pending } => format!("この端末には、アカウント「{account}」の未送信の操作が{pending}件あります。先に「{account}」でログインし、ネットワークにつないで同期してください。"),
            Self::Rejected(p) => p.message_ja.clone(),
            Self::RefusedByCity(r) => r.ja.clone(),
            Self::Unreachable(_) => "市のサーバーに接続できません。ネットワークをご確認ください。入力済みの内容はこの端末に保存されています。".into(),
            Self::NoCachedLogin => "市のサーバーに接続できません。この端末で初めてログインするときはネットワーク接続が必要です。接続を確認してもう一度お試しください。".into(),
            Self::InvalidCredentials => "自治体番号、アカウントID、パスワードのいずれかが正しくありません。確認して入力し直してください。".into(),
            Self::NotLoggedIn => "ログインしてください。".into(),
            Self::LogInAgainOnline => "市のサーバーと同期するには、ネットワークにつながった状態でログインし直してください（ログアウトしてからログイン）。未送信の操作はこの端末に残ります。".into(),
            Self::SessionExpired => "ログインの有効期限が切れました。パスワードを入力し直してください。未送信の操作はこの端末に残っていて、ログイン後に送信されます。".into(),
            Self::Storage(_) | Self::Migration(_) => "端末内のデータベースでエラーが発生しました。アプリを再起動しても解決しない場合は医療機関専用ダイヤルへご連絡ください。".into(),
            Self::Export { dir, .. } => format!("ファイルを保存できませんでした（保存先: {}）。保存先のフォルダーに書き込めるか、ディスクに空きがあるかを確認して、もう一度お試しください。", dir.display()),
            Self::Protocol(_) => "市のサーバーから予期しない応答がありました。しばらくしてからもう一度お試しください。".into(),
            Self::Internal(_) => "予期しないエラーが発生しました。アプリを再起動してください。".into(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            Self::InvalidFields(fields) => format!("{} field(s) need correcting; see the note under each.", fields.len()),
            Self::OtherAccountsWorkUnsent { account, pending } => format!("{pending} change(s) made on this computer by account {account} have not been sent yet. Log in as {account} with a network connection and sync first."),
            Self::Rejected(p) => p.message_en.clone(),
            Self::RefusedByCity(r) => r.en.clone(),
            Self::Unreachable(_) => "The city server cannot be reached. Please check the network. What you entered is saved on this computer.".into(),
            Self::NoCachedLogin => "The city server cannot be reached. The first login on this computer needs a network connection; check it and try again.".into(),
            Self::Storage(_) | Self::Migration(_) => "The local database failed. If restarting the app does not help, call the clinic help line.".into(),
            Self::Export { dir, .. } => format!("The file could not be saved in {}. Check that the folder can be written to and the disk has space, then try again.", dir.display()),
            Self::Invalid { en, .. } => en.clone(),
            Self::InvalidCredentials => "The municipality code, account ID or password is incorrect. Check them and type them again.".into(),
            Self::NotLoggedIn => "Please log in.".into(),
            Self::LogInAgainOnline => "To sync with the city server, log in again while online (log out, then log in). Unsent work stays on this computer.".into(),
            Self::SessionExpired => "The login has expired. Please enter the password again; unsent work stays on this computer and is sent once you are logged in.".into(),
            Self::Protocol(_) => "The city server gave an unexpected answer. Please try again in a little while.".into(),
            Self::Internal(_) => "Something unexpected went wrong. Please restart the app.".into(),
        }
    }
}

/// The city server's refusal of a booking, as said in place of 予約完了, and where to go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CityRefusal {
    pub code: Code,
    pub ja: String,
    pub en: String,
    pub way_out: WayOut,
}

/// What the receptionist does after a refusal.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WayOut {
    /// Nothing was kept: choose another slot (or tell the caller).
    ChooseAgain,
    /// The work is kept in 同期の問題, where it is resolved.
    SyncProblems,
}

/// One field's error in a form: which field, and what to do about it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub code: Code,
    pub message_ja: String,
    pub message_en: String,
}

pub type Result<T, E = ClinicError> = std::result::Result<T, E>;
