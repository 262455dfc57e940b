//! OpenAPI schemas (utoipa) of the parsed newtypes, behind the `openapi` feature: each travels as
//! a plain string or number, so each is described as the JSON it serializes to, with the pattern
//! or format its parser enforces.

use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::AccountId;
use crate::birth_date::BirthDate;
use crate::booking::{DoseNumber, LotNumber};
use crate::contact::{Email, Phone};
use crate::kana::KanaName;
use crate::municipality::MunicipalityCode;
use crate::resident::Memo;
use crate::ticket::TicketNumber;

/// A string schema; `pattern` and `format` as the type's parser enforces them.
fn string(
    description: &str,
    pattern: Option<&str>,
    format: Option<KnownFormat>,
    example: &str,
) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(pattern)
        .format(format.map(SchemaFormat::KnownFormat))
        .examples([example])
        .into()
}

macro_rules! schema {
    ($type:ty, $schema:expr) => {
        impl PartialSchema for $type {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }
        impl ToSchema for $type {}
    };
}

schema!(
    MunicipalityCode,
    string(
        "自治体番号: 6 digits, the 6th a check digit.",
        Some("^[0-9]{6}$"),
        None,
        "431001",
    )
);
schema!(
    TicketNumber,
    string(
        "接種券番号: 10 digits.",
        Some("^[0-9]{10}$"),
        None,
        "9000000062",
    )
);
schema!(
    BirthDate,
    string(
        "生年月日, ISO 8601.",
        None,
        Some(KnownFormat::Date),
        "1945-03-03"
    )
);
schema!(
    KanaName,
    string(
        "A name in full-width katakana (姓 or 名(カナ)), at most 50 characters.",
        None,
        None,
        "ヤマダ",
    )
);
schema!(
    Phone,
    string(
        "電話番号: the digits of a Japanese number (national form, from 0), without hyphens.",
        Some("^0[0-9]+$"),
        None,
        "0961234567",
    )
);
schema!(
    Email,
    string(
        "An e-mail address as typed, trimmed.",
        None,
        Some(KnownFormat::Email),
        "taro@example.jp",
    )
);
schema!(
    Memo,
    string("メモ: free text for the city's staff.", None, None, "")
);
schema!(
    LotNumber,
    string(
        "ロット番号: half-width upper-case letters and digits (a hyphen as printed), 1–20 characters.",
        Some("^[0-9A-Z-]{1,20}$"),
        None,
        "FF3620",
    )
);
schema!(
    AccountId,
    string(
        "アカウントID: 1–64 ASCII letters, digits, `.`, `_` and `-`.",
        Some("^[A-Za-z0-9._-]{1,64}$"),
        None,
        "clinic-101",
    )
);
schema!(
    DoseNumber,
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .description(Some("第N回接種: 1 or 2 in the primary series, up to 9."))
        .minimum(Some(1))
        .maximum(Some(9))
        .examples([1])
        .into()
);
