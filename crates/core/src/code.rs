//! The catalogue of every error code a person can meet, wherever it is decided: the city server,
//! the clinic engine or the window itself. A code is the stable part of an error (screens and tests
//! match on it); its messages are the error's own ([`crate::Coded`]), as most name the values that
//! made it (the slot's time, the limit that was passed).

use std::fmt;

/// Defines [`Code`] from `Variant = "wire.code"` pairs, so that each code's text is written once.
macro_rules! catalogue {
    ($($variant:ident = $code:tt,)*) => {
        /// Every error code of yoyaku. It crosses the wire and the IPC as its text
        /// (`"booking.duplicate_dose"`); the TypeScript of the window and the browser pages gets
        /// the same list, generated.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum Code {
            $(#[serde(rename = $code)] $variant,)*
        }

        impl Code {
            /// Every code, in the catalogue's order.
            pub const ALL: &[Code] = &[$(Code::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }
        }
    };
}

catalogue! {
    AccountDisplayNameRequired = "account.display_name_required",
    AccountDuplicate = "account.duplicate",
    AccountNotAClinic = "account.not_a_clinic",
    AccountLockSelf = "account.lock_self",
    AccountNotFound = "account.not_found",

    AccountIdFormat = "account_id.format",

    AppPrint = "app.print",
    AppStartup = "app.startup",
    AppUpdate = "app.update",
    AppUpdateFeed = "app.update_feed",
    AppUpdateSignature = "app.update_signature",
    AppUpdateUnsent = "app.update_unsent",

    AuthCsrf = "auth.csrf",
    AuthForbidden = "auth.forbidden",
    AuthInvalidCredentials = "auth.invalid_credentials",
    AuthLocked = "auth.locked",
    AuthLockedByCity = "auth.locked_by_city",
    AuthLogInAgainOnline = "auth.log_in_again_online",
    AuthNotLoggedIn = "auth.not_logged_in",
    AuthOfflineFirstLogin = "auth.offline_first_login",
    AuthPasswordRequired = "auth.password_required",
    AuthRateLimited = "auth.rate_limited",
    AuthSessionExpired = "auth.session_expired",
    AuthSessionInvalid = "auth.session_invalid",
    AuthTermsNotAgreed = "auth.terms_not_agreed",
    AuthUnknownClinic = "auth.unknown_clinic",

    BirthDateEraMismatch = "birth_date.era_mismatch",
    BirthDateFormat = "birth_date.format",
    BirthDateFuture = "birth_date.future",
    BirthDateImpossible = "birth_date.impossible",
    BirthDateOutsideEra = "birth_date.outside_era",
    BirthDateRequired = "birth_date.required",
    BirthDateTooOld = "birth_date.too_old",

    BookingAfterNextDose = "booking.after_next_dose",
    BookingBeforeTheDay = "booking.before_the_day",
    BookingChangeSameDay = "booking.change_same_day",
    BookingClinicOnly = "booking.clinic_only",
    BookingDifferentVaccine = "booking.different_vaccine",
    BookingDuplicateDose = "booking.duplicate_dose",
    BookingIdConflict = "booking.id_conflict",
    BookingNotFound = "booking.not_found",
    BookingPreviousDoseMissing = "booking.previous_dose_missing",
    BookingTooEarly = "booking.too_early",
    BookingTransition = "booking.transition",
    BookingVaccinatedOnAnotherDay = "booking.vaccinated_on_another_day",

    DoseNumberRange = "dose_number.range",

    EmailInvalid = "email.invalid",
    EmailRequired = "email.required",

    ExportWriteFailed = "export.write_failed",

    FormInvalid = "form.invalid",

    InformationContactIncomplete = "information.contact_incomplete",
    InformationNoCopyYet = "information.no_copy_yet",
    InformationNotPublished = "information.not_published",
    InformationTermsIncomplete = "information.terms_incomplete",
    InformationTermsTooLong = "information.terms_too_long",

    Internal = "internal",

    KanaNameLatin = "kana_name.latin",
    KanaNameNotKatakana = "kana_name.not_katakana",
    KanaNameRequired = "kana_name.required",
    KanaNameTooLong = "kana_name.too_long",

    LeaseIdTaken = "lease.id_taken",
    LeasePrivateSlot = "lease.private_slot",
    LeaseSeats = "lease.seats",

    LocalStorage = "local.storage",

    LookupRateLimited = "lookup.rate_limited",

    LotRequired = "lot.required",

    LotNumberFormat = "lot_number.format",

    MassVenueFirstDoseUnsent = "mass_venue.first_dose_unsent",
    MassVenueNotFirstDose = "mass_venue.not_first_dose",
    MassVenueOffline = "mass_venue.offline",

    MemoTooLong = "memo.too_long",

    MunicipalityCodeCheckDigit = "municipality_code.check_digit",
    MunicipalityCodeFormat = "municipality_code.format",

    NetworkUnreachable = "network.unreachable",

    NoCache = "no_cache",

    OutsideNotOutside = "outside.not_outside",
    OutsideNotificationMismatch = "outside.notification_mismatch",
    OutsideReasonRequired = "outside.reason_required",
    OutsideReasonUnknown = "outside.reason_unknown",
    OutsideReferToCallCenter = "outside.refer_to_call_center",

    PasswordLength = "password.length",

    PeriodCapBelowSlots = "period.cap_below_slots",
    PeriodDeadlinesOrder = "period.deadlines_order",
    PeriodDuplicate = "period.duplicate",
    PeriodEmptyWindow = "period.empty_window",
    PeriodNoCap = "period.no_cap",
    PeriodNotFound = "period.not_found",
    PeriodNumber = "period.number",
    PeriodWindowsOrder = "period.windows_order",

    PhoneInvalid = "phone.invalid",
    PhoneNotDomestic = "phone.not_domestic",
    PhoneRequired = "phone.required",
    PhoneUnsupported = "phone.unsupported",

    RequestMalformed = "request.malformed",
    RequestMethodNotAllowed = "request.method_not_allowed",
    RequestNotFound = "request.not_found",
    RequestTooLarge = "request.too_large",
    RequestUnsupportedMediaType = "request.unsupported_media_type",

    ResidentInvalid = "resident.invalid",
    ResidentKeyRequired = "resident.key_required",
    ResidentNotFound = "resident.not_found",
    ResidentNotRegistered = "resident.not_registered",
    ResidentProtected = "resident.protected",

    ResidentSearchCriteriaRequired = "resident_search.criteria_required",
    ResidentSearchFamilyNameRequired = "resident_search.family_name_required",

    SameDayChangeInfeasible = "same_day_change.infeasible",
    SameDayChangeNoBooking = "same_day_change.no_booking",
    SameDayChangeNotReserved = "same_day_change.not_reserved",
    SameDayChangeNotSameDay = "same_day_change.not_same_day",
    SameDayChangeSameSlot = "same_day_change.same_slot",
    SameDayChangeUnknownSlot = "same_day_change.unknown_slot",

    ServerDatabaseUnavailable = "server.database_unavailable",
    ServerInternal = "server.internal",
    ServerProtocol = "server.protocol",
    ServerRefused = "server.refused",

    SettingsInvalid = "settings.invalid",
    SettingsServerUrl = "settings.server_url",

    SexRequired = "sex.required",

    SlotClinicOnly = "slot.clinic_only",
    SlotEndNotAfterStart = "slot.end_not_after_start",
    SlotFull = "slot.full",
    SlotNotFound = "slot.not_found",
    SlotNotOpen = "slot.not_open",
    SlotOtherClinic = "slot.other_clinic",
    SlotPast = "slot.past",
    SlotPrivate = "slot.private",

    SlotReportBookedSlots = "slot_report.booked_slots",
    SlotReportConfirmed = "slot_report.confirmed",
    SlotReportFile = "slot_report.file",
    SlotReportInvalid = "slot_report.invalid",
    SlotReportLate = "slot_report.late",
    SlotReportNotFound = "slot_report.not_found",
    SlotReportReasonRequired = "slot_report.reason_required",
    SlotReportState = "slot_report.state",

    SlotsRangeReversed = "slots.range_reversed",
    SlotsRangeTooLong = "slots.range_too_long",

    SyncBatchTooLarge = "sync.batch_too_large",
    SyncDependencyRejected = "sync.dependency_rejected",
    SyncDetailsConflictNotFound = "sync.details_conflict_not_found",
    SyncDeviceOfAnotherAccount = "sync.device_of_another_account",
    SyncOtherAccountUnsent = "sync.other_account_unsent",
    SyncProblemNotFound = "sync.problem_not_found",
    SyncRebookNotABooking = "sync.rebook_not_a_booking",
    SyncSequenceReused = "sync.sequence_reused",

    TicketMunicipalityMismatch = "ticket.municipality_mismatch",
    TicketNotInRegistry = "ticket.not_in_registry",
    TicketUnverified = "ticket.unverified",

    TicketNumberLength = "ticket_number.length",
    TicketNumberNotDigits = "ticket_number.not_digits",
    TicketNumberRequired = "ticket_number.required",

    TimeInvalid = "time.invalid",

    Unknown = "unknown",

    VaccinationFuture = "vaccination.future",

    VaccineCode = "vaccine.code",
    VaccineDuplicate = "vaccine.duplicate",
    VaccineInterval = "vaccine.interval",
    VaccineName = "vaccine.name",
    VaccineNotCached = "vaccine.not_cached",
    VaccineUnknown = "vaccine.unknown",
    VaccineVial = "vaccine.vial",

    ValidTicketsBirthDateDiffers = "valid_tickets.birth_date_differs",
    ValidTicketsColumns = "valid_tickets.columns",
    ValidTicketsDuplicate = "valid_tickets.duplicate",
    ValidTicketsEncoding = "valid_tickets.encoding",
    ValidTicketsHeader = "valid_tickets.header",
    ValidTicketsInvalidLines = "valid_tickets.invalid_lines",
    ValidTicketsResidentRegistered = "valid_tickets.resident_registered",

    VenueClinicRequired = "venue.clinic_required",
    VenueDuplicate = "venue.duplicate",
    VenueNameRequired = "venue.name_required",
    VenueNotFound = "venue.not_found",
    VenueNumber = "venue.number",
    VenueOtherClinic = "venue.other_clinic",

    VialRuleDosesPerVial = "vial_rule.doses_per_vial",
    VialRuleWindow = "vial_rule.window",

    WaitingRoomClosed = "waiting_room.closed",
    WaitingRoomExpired = "waiting_room.expired",
    WaitingRoomNotYet = "waiting_room.not_yet",
    WaitingRoomPlaceInvalid = "waiting_room.place_invalid",
    WaitingRoomPlaceRequired = "waiting_room.place_required",

    WaitlistAlreadyBooked = "waitlist.already_booked",
    WaitlistAlreadyWaiting = "waitlist.already_waiting",
    WaitlistDates = "waitlist.dates",
    WaitlistNotFound = "waitlist.not_found",
    WaitlistOfferClosed = "waitlist.offer_closed",
    WaitlistOpenVialDoses = "waitlist.open_vial_doses",
    WaitlistOpenVialOffline = "waitlist.open_vial_offline",
    WaitlistOpenVialTime = "waitlist.open_vial_time",
    WaitlistReleaseNameTaken = "waitlist.release_name_taken",
    WaitlistReleaseOffline = "waitlist.release_offline",
    WaitlistReleasePublic = "waitlist.release_public",
    WaitlistReleaseSeats = "waitlist.release_seats",
    WaitlistReleaseTooLate = "waitlist.release_too_late",
    WaitlistSeatsAvailable = "waitlist.seats_available",
    WaitlistUnknownPlace = "waitlist.unknown_place",
}

impl Code {
    /// The code of this text; `None` for one this build does not know (a newer server's, say).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|code| code.as_str() == text)
    }

    /// The code of a refusal as it came over the wire: [`Code::ServerRefused`] for one this build
    /// does not know (a newer server's), whose messages still say why.
    pub fn from_wire(text: &str) -> Self {
        Self::parse(text).unwrap_or(Self::ServerRefused)
    }
}

impl From<Code> for String {
    fn from(code: Code) -> Self {
        code.as_str().to_owned()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_is_written_once_and_reads_back() {
        let texts: HashSet<&str> = Code::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(texts.len(), Code::ALL.len(), "two variants share a text");
        for &code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{code}\""));
            assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), code);
        }
    }

    #[test]
    fn a_code_this_build_does_not_know_is_none() {
        assert_eq!(Code::parse("booking.made_up"), None);
        assert_eq!(Code::from_wire("booking.made_up"), Code::ServerRefused);
        assert_eq!(Code::from_wire("slot.full"), Code::SlotFull);
        assert!(serde_json::from_str::<Code>("\"booking.made_up\"").is_err());
    }

    #[test]
    fn codes_are_lower_snake_case_segments() {
        for code in Code::ALL {
            let text = code.as_str();
            assert!(
                text.split('.').all(|segment| !segment.is_empty()
                    && segment.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')),
                "{text}"
            );
        }
    }
}
