//! How the domain's refusals answer over HTTP: the status of each, and the refusals every
//! booking write may answer, documented once in the OpenAPI document.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, ResponsesBuilder};
use yoyaku_core::booking::BookingRuleError;
use yoyaku_core::out_of_municipality::OutsideError;

use super::error::ApiError;
use crate::bookings::{BookingError, Refusal};
use crate::residents::{ResidentError, ResidentRefusal};
use crate::waitlist::{WaitlistError, WaitlistRefusal};

pub(super) fn refusal_status(refusal: ResidentRefusal) -> StatusCode {
    match refusal {
        // `NotCached` is the clinic cache's word for the same absence; the city never says it.
        ResidentRefusal::NotInRegistry
        | ResidentRefusal::NoneVisible
        | ResidentRefusal::NotCached => StatusCode::NOT_FOUND,
        ResidentRefusal::NotRegistered => StatusCode::CONFLICT,
        ResidentRefusal::Protected => StatusCode::FORBIDDEN,
    }
}

pub(super) fn outside_status(error: OutsideError) -> StatusCode {
    match error {
        OutsideError::ReferToCallCenter => StatusCode::UNPROCESSABLE_ENTITY,
        OutsideError::ReasonRequired
        | OutsideError::NotOutside
        | OutsideError::NotificationMismatch => StatusCode::BAD_REQUEST,
    }
}

impl From<ResidentError> for ApiError {
    fn from(error: ResidentError) -> Self {
        match error {
            ResidentError::Refused(refusal) => ApiError::refused(refusal_status(refusal), refusal),
            ResidentError::Outside(error) => ApiError::refused(outside_status(error), error),
            ResidentError::Database(error) => ApiError::Database(error),
            ResidentError::Stored(what) => ApiError::internal(what),
        }
    }
}

impl From<BookingError> for ApiError {
    fn from(error: BookingError) -> Self {
        match error {
            BookingError::Refused(refusal) => {
                let alternatives = refusal.alternatives().to_vec();
                ApiError::refused(status(&refusal), refusal).with_alternatives(alternatives)
            }
            BookingError::Database(error) => ApiError::Database(error),
            BookingError::Stored(what) => ApiError::internal(what),
        }
    }
}

fn status(refusal: &Refusal) -> StatusCode {
    match refusal {
        Refusal::Resident(refusal) => refusal_status(*refusal),
        Refusal::Outside(error) => outside_status(*error),
        // The city knows every vaccine; `VaccineNotCached` is the clinic cache's refusal.
        Refusal::BookingNotFound | Refusal::SlotNotFound | Refusal::VaccineNotCached { .. } => {
            StatusCode::NOT_FOUND
        }
        Refusal::Channel(_) | Refusal::ClinicOnly => StatusCode::FORBIDDEN,
        Refusal::SlotFull { .. }
        | Refusal::IdConflict
        | Refusal::Transition(_)
        | Refusal::NotReserved
        | Refusal::Rule(BookingRuleError::DuplicateDose { .. }) => StatusCode::CONFLICT,
        Refusal::SlotPast
        | Refusal::SlotNotOpen { .. }
        | Refusal::Rule(_)
        | Refusal::EventDay(_)
        | Refusal::VaccinatedInFuture
        | Refusal::NotSameDay
        | Refusal::ChangeSameDay
        | Refusal::SameSlot
        | Refusal::SameDay(_)
        | Refusal::Infeasible { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The refusals every booking write may answer, documented once for all of them.
pub(super) struct BookingRefusals;

impl utoipa::IntoResponses for BookingRefusals {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        let refusals = [
            (
                "400",
                "Malformed input: the resident key (e.g. `resident.key_required` from the web), a body the parsers refuse",
            ),
            (
                "401",
                "`auth.session_invalid`: a token was sent but names no live session",
            ),
            (
                "403",
                "`auth.forbidden`, or the channel may not book the slot (a 非公開枠 from the web)",
            ),
            (
                "404",
                "The booking, the slot or the resident (not in the registry) is not found",
            ),
            (
                "409",
                "The slot is full (with `alternatives`), a dose already booked, or the booking's status does not allow it",
            ),
            (
                "422",
                "A booking rule refuses it (a past slot, a 公開枠 before its period's 受付開始 (`slot.not_open`), too early a dose, not the same day …)",
            ),
            (
                "429",
                "`lookup.rate_limited`, with `Retry-After`: from the web, the key is checked like a look-up's; its address or its ticket rests after failed checks",
            ),
        ];
        problem_responses(&refusals)
    }
}

/// The refusals every write of the waiting list may answer (except joining it), documented once.
pub(super) struct WaitlistRefusals;

impl utoipa::IntoResponses for WaitlistRefusals {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        problem_responses(&[
            ("400", "A malformed key, or none from the web"),
            ("401", "`auth.session_invalid`"),
            (
                "403",
                "`auth.forbidden`: clinics do not keep the line; `auth.csrf` from a console without its token",
            ),
            (
                "404",
                "The key is not in the registry, or `waitlist.not_found`: no such entry or offer of the resident's",
            ),
            (
                "409",
                "`waitlist.offer_closed` (answered or expired), or a booking's refusal (the slot full, the dose booked)",
            ),
            ("422", "A booking rule refuses it"),
            ("429", "`lookup.rate_limited`, with `Retry-After`"),
        ])
    }
}

/// Problem responses by status, each with its description.
pub(super) fn problem_responses(
    refusals: &[(&str, &str)],
) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    refusals
        .iter()
        .fold(
            ResponsesBuilder::new(),
            |responses, (status, description)| {
                let problem = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build();
                let response = ResponseBuilder::new()
                    .description(*description)
                    .content("application/problem+json", problem);
                responses.response(*status, response)
            },
        )
        .build()
        .into()
}

impl From<WaitlistError> for ApiError {
    fn from(error: WaitlistError) -> Self {
        match error {
            WaitlistError::Refused(refusal) => {
                let status = match refusal {
                    WaitlistRefusal::Dates { .. }
                    | WaitlistRefusal::OpenVialDoses { .. }
                    | WaitlistRefusal::OpenVialTime { .. }
                    | WaitlistRefusal::ReleasePublic
                    | WaitlistRefusal::ReleaseTooLate
                    | WaitlistRefusal::ReleaseSeats { .. } => StatusCode::BAD_REQUEST,
                    WaitlistRefusal::UnknownPlace
                    | WaitlistRefusal::NotFound
                    | WaitlistRefusal::UnknownSlot => StatusCode::NOT_FOUND,
                    WaitlistRefusal::ReleaseNameTaken
                    | WaitlistRefusal::AlreadyWaiting
                    | WaitlistRefusal::AlreadyBooked
                    | WaitlistRefusal::SeatsAvailable
                    | WaitlistRefusal::OfferClosed => StatusCode::CONFLICT,
                };
                ApiError::refused(status, refusal)
            }
            WaitlistError::Booking(error) => error.into(),
            WaitlistError::Resident(error) => error.into(),
            WaitlistError::Database(error) => ApiError::Database(error),
            WaitlistError::Stored(what) => ApiError::internal(what),
        }
    }
}
