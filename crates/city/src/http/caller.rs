//! Who asks, and what they may do: the resident on the web (whose key is the credential) or a
//! logged-in account, the caller of a write with its rights, and what a reader may see. Shared
//! by every handler that touches residents and bookings.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sqlx::{PgConnection, PgPool};
use yoyaku_core::resident_key::ResidentKey;
use yoyaku_core::time::tokyo_today;
use yoyaku_core::wire::Role;
use yoyaku_core::{Code, Coded, MunicipalityCode};

use super::ApiContext;
use super::auth::{CurrentAccount, LookupLimits, session_cookie};
use super::error::ApiError;
use crate::audit::{self, Caller, ReadScope};

/// 自治体番号, 接種券番号 and 生年月日 as typed; the core parses it, for the clinic engine too.
pub(super) use yoyaku_core::resident_key::ResidentKeyInput as KeyInput;

/// Parses a resident key with the core's rule, against today in Tokyo.
pub(super) fn parse_key(input: &KeyInput) -> Result<ResidentKey, ApiError> {
    input.parse(tokyo_today()).map_err(ApiError::invalid)
}

/// Who asks: a resident on the web (no `Authorization` header and no console session cookie) or a
/// logged-in account. A header or cookie naming no valid session is refused, never taken for the
/// web.
pub(super) enum Requester {
    Web,
    Staff(CurrentAccount),
}

impl FromRequestParts<ApiContext> for Requester {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ctx: &ApiContext) -> Result<Self, ApiError> {
        if !parts.headers.contains_key(AUTHORIZATION) && session_cookie(&parts.headers).is_none() {
            return Ok(Self::Web);
        }
        CurrentAccount::from_request_parts(parts, ctx)
            .await
            .map(Self::Staff)
    }
}

/// A resident on the web gave no key.
#[derive(Debug, thiserror::Error)]
#[error("please give the resident's municipality code, ticket number and birth date")]
struct ResidentKeyRequired;

impl Coded for ResidentKeyRequired {
    fn code(&self) -> Code {
        Code::ResidentKeyRequired
    }
    fn message_ja(&self) -> String {
        "自治体番号・接種券番号・生年月日を入力してください。".into()
    }
}

/// The caller of a write and the municipality it acts in. `key` is the web's credential; the call
/// center acts for a clinic by the session's `X-Yoyaku-On-Behalf-Of` (manual 3-1).
pub(super) async fn writer(
    db: &PgPool,
    requester: Requester,
    key: Option<ResidentKey>,
    limits: &LookupLimits,
) -> Result<(MunicipalityCode, Caller), ApiError> {
    let account = match requester {
        Requester::Web => {
            let resident = key.ok_or_else(|| ApiError::invalid(ResidentKeyRequired))?;
            limits
                .admit_web_key((resident.municipality_code, resident.ticket_number))
                .await?;
            return Ok((resident.municipality_code, Caller::Web { resident }));
        }
        Requester::Staff(account) => account,
    };
    // A key of another municipality is a 市外住民's (manual 2-3), booked here by staff.
    let municipality = account.municipality_code;
    let mut conn = db.acquire().await?;
    let caller = match (account.role, &account.on_behalf_of) {
        (Role::Clinic, _) => Caller::clinic(&mut conn, municipality, account.id).await?,
        (Role::CallCenter, None) => Caller::CallCenter {
            account: account.id,
        },
        (Role::CallCenter, Some(clinic)) => {
            Caller::call_center_for(&mut conn, municipality, account.id, clinic.id).await?
        }
        // The city administers; it does not book.
        (Role::CityAdmin, _) => return Err(ApiError::Forbidden),
    };
    Ok((municipality, caller))
}

/// A write's outcome, with a key from the web that the registry refused counted as a failed check
/// of its ticket and its address (see [`LookupLimits::admit_web_key`]).
pub(super) async fn counting_web_key<T>(
    limits: &LookupLimits,
    caller: &Caller,
    outcome: Result<T, ApiError>,
) -> Result<T, ApiError> {
    if let (Caller::Web { resident }, Err(error)) = (caller, &outcome)
        && error.refusal_code() == Some(Code::TicketNotInRegistry)
    {
        limits
            .web_key_failed((resident.municipality_code, resident.ticket_number))
            .await;
    }
    outcome
}

/// What a logged-in reader may see: a clinic its own venues', the others the municipality's.
pub(super) async fn read_scope(
    db: &mut PgConnection,
    account: &CurrentAccount,
) -> Result<ReadScope, ApiError> {
    Ok(match account.role {
        Role::Clinic => ReadScope::Clinic {
            account: account.id,
            venues: audit::venues_of_clinic(db, account.municipality_code, account.id).await?,
        },
        Role::CallCenter | Role::CityAdmin => ReadScope::Municipality,
    })
}
