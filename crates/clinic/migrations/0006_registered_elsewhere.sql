-- Residents registered elsewhere (on the web, by the call center, at another clinic).

-- 予約者情報 the city kept over this clinic's registration (yoyaku_core::sync::Outcome::
-- DetailsDiffer): both, for the receptionist to choose in 同期の問題. The intent itself settled
-- (the bookings made with it went on); this row is the choice still to make, until resolved_at.
CREATE TABLE details_conflicts (
    intent_id          TEXT PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,
    municipality_code  TEXT NOT NULL,
    ticket_number      TEXT NOT NULL,
    -- yoyaku_core::resident::ResidentDetails as JSON: what this clinic sent, what the city holds.
    clinic_details     TEXT NOT NULL,
    city_details       TEXT NOT NULL,
    settled_at         TEXT NOT NULL,
    resolved_at        TEXT
) STRICT;

CREATE INDEX details_conflicts_open ON details_conflicts (settled_at) WHERE resolved_at IS NULL;

-- A resident's bookings at other venues, as the city's look-up last showed them: dose 1 given
-- elsewhere, or dose 2 booked on the web, for the dose rules of a booking made here (offline too).
CREATE TABLE bookings_elsewhere (
    id                 TEXT PRIMARY KEY,
    municipality_code  TEXT NOT NULL,
    ticket_number      TEXT NOT NULL,
    dose               INTEGER NOT NULL CHECK (dose >= 1),
    status             TEXT NOT NULL,
    starts_at          TEXT NOT NULL,
    vaccinated_at      TEXT,
    vaccine_code       TEXT NOT NULL,
    vaccine_name       TEXT NOT NULL
) STRICT;

CREATE INDEX bookings_elsewhere_by_resident ON bookings_elsewhere (municipality_code, ticket_number);
