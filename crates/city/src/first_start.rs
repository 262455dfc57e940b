//! The first start of a real municipality, without demo data: the municipality and its first
//! administrator, in one transaction. The administrator then sets up everything else in the
//! city's console. `yoyaku-city init` runs it.

use sqlx::PgPool;
use uuid::Uuid;
use yoyaku_core::account::AccountIdError;
use yoyaku_core::municipality::MunicipalityCodeError;
use yoyaku_core::wire::Role;
use yoyaku_core::{AccountId, Coded, MunicipalityCode};

use crate::audit::{self, AdminEntity};
use crate::password;

/// What `yoyaku-city init` is given.
pub struct FirstStart {
    pub municipality_code: String,
    pub name_ja: String,
    pub name_en: String,
    pub admin_account_id: String,
    pub admin_display_name: String,
    /// As typed; only its hash is stored.
    pub admin_password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum FirstStartError {
    #[error(transparent)]
    MunicipalityCode(#[from] MunicipalityCodeError),
    #[error(transparent)]
    AccountId(#[from] AccountIdError),
    #[error("please give the municipality's name in Japanese and in English")]
    Name,
    #[error("please give the administrator's display name")]
    DisplayName,
    #[error(
        "the password must be {} to {} characters",
        password::LENGTH.start(),
        password::LENGTH.end()
    )]
    PasswordLength,
    #[error("the two passwords typed differ")]
    PasswordMismatch,
    #[error(
        "the municipality {0} already exists: its administrators add accounts in the city's console"
    )]
    MunicipalityExists(MunicipalityCode),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("hashing the password: {0}")]
    Hashing(String),
}

impl FirstStartError {
    /// The same message in Japanese, for the administrator at the terminal.
    pub fn message_ja(&self) -> String {
        match self {
            Self::MunicipalityCode(error) => error.message_ja(),
            Self::AccountId(error) => error.message_ja(),
            Self::Name => "自治体名を日本語と英語で指定してください。".into(),
            Self::DisplayName => "管理者の表示名を指定してください。".into(),
            Self::PasswordLength => format!(
                "パスワードは{}〜{}文字にしてください。",
                password::LENGTH.start(),
                password::LENGTH.end()
            ),
            Self::PasswordMismatch => "2回入力したパスワードが一致しません。".into(),
            Self::MunicipalityExists(code) => format!(
                "自治体番号{code}は既に登録されています。アカウントの追加は市の管理画面で行ってください。"
            ),
            Self::Database(error) => format!("データベースのエラー: {error}"),
            Self::Hashing(error) => format!("パスワードを保存できません: {error}"),
        }
    }
}

/// Who was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub municipality_code: MunicipalityCode,
    pub admin_account_id: AccountId,
}

/// Creates the municipality and its first administrator, or nothing: an existing municipality is
/// refused, never changed. The database must be migrated.
pub async fn start_municipality(
    pool: &PgPool,
    first: FirstStart,
) -> Result<Started, FirstStartError> {
    let code = MunicipalityCode::parse(&first.municipality_code)?;
    let (name_ja, name_en) = (first.name_ja.trim(), first.name_en.trim());
    if name_ja.is_empty() || name_en.is_empty() {
        return Err(FirstStartError::Name);
    }
    let account_id = AccountId::parse(&first.admin_account_id)?;
    let display_name = first.admin_display_name.trim();
    if display_name.is_empty() {
        return Err(FirstStartError::DisplayName);
    }
    if !password::LENGTH.contains(&first.admin_password.chars().count()) {
        return Err(FirstStartError::PasswordLength);
    }
    let typed = first.admin_password;
    let password_hash = tokio::task::spawn_blocking(move || password::hash(&typed))
        .await
        .map_err(|error| FirstStartError::Hashing(error.to_string()))?
        .map_err(|error| FirstStartError::Hashing(error.to_string()))?;
    let mut tx = pool.begin().await?;
    let created = sqlx::query!(
        "insert into municipalities (code, name_ja, name_en) values ($1, $2, $3)
         on conflict do nothing",
        code.as_string(),
        name_ja,
        name_en,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if created == 0 {
        return Err(FirstStartError::MunicipalityExists(code));
    }
    let admin = Uuid::new_v4();
    sqlx::query!(
        "insert into accounts (municipality_code, id, account_id, display_name, role, password_hash)
         values ($1, $2, $3, $4, $5, $6)",
        code.as_string(),
        admin,
        account_id.as_str(),
        display_name,
        Role::CityAdmin.as_str(),
        password_hash,
    )
    .execute(&mut *tx)
    .await?;
    let after = serde_json::json!({
        "municipality": { "name_ja": name_ja, "name_en": name_en },
        "display_name": display_name,
        "role": Role::CityAdmin.as_str(),
    });
    let entity = AdminEntity::Account(account_id.as_str());
    audit::record_admin(&mut tx, code, admin, "municipality.init", entity, &after).await?;
    tx.commit().await?;
    Ok(Started {
        municipality_code: code,
        admin_account_id: account_id,
    })
}
