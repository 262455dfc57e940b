//! 住民: the valid-ticket check that starts every booking (manual 2-1 ②), 住民情報登録 and 情報変更
//! (2-1 ④), 住民検索 and 住民情報 (4-2), and the 住所地外接種 check (2-3). Residents live in the
//! cache's `residents` table; registration reaches the city server through the outbox.

mod detail;
mod history;
mod lookup;
mod out_of_municipality;
mod register;
mod search;
pub(crate) mod stored;

use yoyaku_core::resident::FieldError;
use yoyaku_core::{Code, Coded};

use crate::error::{ClinicError, FieldProblem};

pub use detail::ResidentRecord;
pub use history::BookingHistory;
pub(crate) use history::{ServerBooking, keep_one_elsewhere};
pub use lookup::{Notice, TicketLookup};
pub use out_of_municipality::{OutOfMunicipalityCheck, ReasonOption};
pub use register::{OutsideChoice, Registration, RegistrationForm};
pub use search::{ResidentQuery, ResidentSearch, ResidentSearchRow};

/// One field's error, to be shown under that field.
fn field_problem(field: &str, error: &dyn Coded) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        code: error.code(),
        message_ja: error.message_ja(),
        message_en: error.message_en(),
    }
}

/// The key form's error, under its field, like the details form's.
fn key_error(error: &yoyaku_core::resident_key::ResidentKeyError) -> ClinicError {
    ClinicError::InvalidFields(vec![field_problem(error.field(), error)])
}

/// The details form's errors, each under its field, as [`ClinicError::fields`] gives them.
fn detail_problems(errors: &[FieldError]) -> Vec<FieldProblem> {
    errors
        .iter()
        .map(|e| field_problem(e.field(), e.error()))
        .collect()
}

/// The registry holds this ticket with another birth date: the same answer the city gives, which
/// does not say which of the two is wrong.
#[derive(Debug, thiserror::Error)]
#[error(
    "the ticket number and birth date do not match the city's valid tickets; please check both"
)]
struct NotInRegistry;

impl Coded for NotInRegistry {
    fn code(&self) -> Code {
        Code::TicketNotInRegistry
    }
    fn message_ja(&self) -> String {
        "接種券番号と生年月日の組み合わせが有効接種券に見つかりません。両方をもう一度ご確認ください。"
            .into()
    }
}

#[cfg(test)]
mod test_support;
