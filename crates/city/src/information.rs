//! The municipality's 利用規約 and 問い合わせ先 (yoyaku_core::information), as stored.

use sqlx::PgConnection;
use sqlx::types::Json;
use yoyaku_core::MunicipalityCode;
use yoyaku_core::information::{Contacts, TermsOfUse};

/// Stores the municipality's texts, replacing any before.
pub(crate) async fn publish(
    db: &mut PgConnection,
    municipality: MunicipalityCode,
    terms: &TermsOfUse,
    contacts: &Contacts,
) -> Result<(), sqlx::Error> {
    // `as _`: the macros know jsonb only with sqlx's JSON feature, which Json needs not.
    sqlx::query!(
        "insert into municipality_information (municipality_code, terms, contacts)
         values ($1, $2, $3)
         on conflict (municipality_code) do update
         set terms = excluded.terms, contacts = excluded.contacts, updated_at = now()",
        municipality.as_string(),
        Json(terms) as _,
        Json(contacts) as _,
    )
    .execute(db)
    .await?;
    Ok(())
}
