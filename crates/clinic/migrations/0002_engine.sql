-- The offline-first engine: the clinic's residents, bookings and vaccinations, vaccine products
-- and periods, the outbox of intents for the city server, seat leases, and the views the UI's
-- list screens read.
--
-- Server state and local work live side by side. A row written by a use case is "pending" while
-- an outbox intent that touches it is unsettled, and "rejected" while such an intent was refused
-- and its problem is not resolved: `outbox_touches` says which intents touch which rows, so a
-- pull never overwrites either (DESIGN.md, Sync).

-- Who this device is to the city server, and how far it has pulled. A new device id is made for
-- each account (the server binds a device to one account), and the sequence restarts with it.
ALTER TABLE sync_state ADD COLUMN device_id TEXT;
ALTER TABLE sync_state ADD COLUMN next_seq INTEGER NOT NULL DEFAULT 1 CHECK (next_seq >= 1);
-- The last change sequence pulled; NULL until the first snapshot, and again when a resync is due.
ALTER TABLE sync_state ADD COLUMN cursor INTEGER;
ALTER TABLE sync_state ADD COLUMN last_settled_seq INTEGER NOT NULL DEFAULT 0;
-- When the vaccine products and periods were last refreshed from a snapshot.
ALTER TABLE sync_state ADD COLUMN snapshot_at TEXT;

CREATE TABLE vaccines (
    code             TEXT PRIMARY KEY,
    name_ja          TEXT NOT NULL,
    name_en          TEXT NOT NULL,
    doses_per_vial   INTEGER NOT NULL CHECK (doses_per_vial > 0),
    usable_hours     INTEGER NOT NULL CHECK (usable_hours > 0),
    standard_days    INTEGER NOT NULL CHECK (standard_days > 0),
    earliest_days    INTEGER NOT NULL CHECK (earliest_days > 0),
    warn_after_days  INTEGER
) STRICT;

CREATE TABLE periods (
    number             INTEGER PRIMARY KEY CHECK (number > 0),
    vaccine_code       TEXT NOT NULL,
    first_dose_first   TEXT NOT NULL,
    first_dose_last    TEXT NOT NULL,
    second_dose_first  TEXT NOT NULL,
    second_dose_last   TEXT NOT NULL
) STRICT;

-- Residents booked at the clinic, and those the receptionist looked up or registered here.
CREATE TABLE residents (
    municipality_code  TEXT NOT NULL CHECK (length(municipality_code) = 6),
    ticket_number      TEXT NOT NULL CHECK (length(ticket_number) = 10),
    birth_date         TEXT NOT NULL,
    -- 予約者情報; NULL until registered (住民情報登録).
    family_name_kana   TEXT,
    given_name_kana    TEXT,
    sex                TEXT CHECK (sex IN ('male', 'female', 'unset')),
    phone              TEXT,
    email              TEXT,
    memo               TEXT NOT NULL DEFAULT '',
    -- Search keys: the kana name as yoyaku-core's search_key folds it (姓 then 名, no space),
    -- and the phone number's digits.
    name_key           TEXT,
    phone_digits       TEXT,
    -- 1 once the city's valid-ticket registry has confirmed the ticket (an online look-up, or
    -- any row the server sent); 0 for a ticket typed in offline and not yet synced.
    verified           INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),
    PRIMARY KEY (municipality_code, ticket_number)
) STRICT;

CREATE INDEX residents_by_name ON residents (name_key);
CREATE INDEX residents_by_phone ON residents (phone_digits);
CREATE INDEX residents_by_ticket ON residents (ticket_number);

CREATE TABLE bookings (
    id                 TEXT PRIMARY KEY,
    municipality_code  TEXT NOT NULL,
    ticket_number      TEXT NOT NULL,
    slot_id            TEXT NOT NULL REFERENCES slots (id),
    dose               INTEGER NOT NULL CHECK (dose BETWEEN 1 AND 9),
    status             TEXT NOT NULL
        CHECK (status IN ('reserved', 'cancelled', 'checked_in', 'vaccinated', 'no_show')),
    channel            TEXT NOT NULL CHECK (channel IN ('clinic', 'call_center', 'web')),
    lot_number         TEXT,
    vaccinated_at      TEXT,
    -- Whether the server's count of the slot's booked seats includes this booking, as last
    -- pulled. The seats a slot has left here are the server's count corrected by the pending
    -- bookings that hold a seat and the server does not know of yet (view slot_seats).
    server_holds_seat  INTEGER NOT NULL DEFAULT 0 CHECK (server_holds_seat IN (0, 1)),
    -- The seat lease an offline public booking used; such a booking is certain.
    lease_id           TEXT,
    -- 1 for a public seat booked offline beyond any lease: the server may still refuse it.
    tentative          INTEGER NOT NULL DEFAULT 0 CHECK (tentative IN (0, 1)),
    FOREIGN KEY (municipality_code, ticket_number)
        REFERENCES residents (municipality_code, ticket_number)
) STRICT;

CREATE INDEX bookings_by_slot ON bookings (slot_id);
CREATE INDEX bookings_by_resident ON bookings (municipality_code, ticket_number, dose);

-- Seats of the clinic's public slots held for offline booking (DESIGN.md, Sync: capacity).
CREATE TABLE leases (
    id          TEXT PRIMARY KEY,
    slot_id     TEXT NOT NULL REFERENCES slots (id) ON DELETE CASCADE,
    seats       INTEGER NOT NULL CHECK (seats > 0),
    expires_at  TEXT NOT NULL
) STRICT;

CREATE INDEX leases_by_slot ON leases (slot_id);

-- What the receptionist did, to be applied by the city server, in the device's sequence order.
CREATE TABLE outbox (
    -- The device's sequence number (yoyaku_core::sync::Intent::seq), from 1, without gaps.
    seq          INTEGER NOT NULL,
    device_id    TEXT NOT NULL,
    id           TEXT NOT NULL UNIQUE,
    -- The intent's kind (book, cancel …) and its whole action as JSON (yoyaku_core::sync::Action).
    kind         TEXT NOT NULL,
    action       TEXT NOT NULL,
    -- JSON array of the ids of the intents this one needs applied first.
    depends_on   TEXT NOT NULL DEFAULT '[]',
    state        TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'applied', 'rejected', 'discarded', 'superseded')),
    created_at   TEXT NOT NULL,
    settled_at   TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    -- Why the last attempt did not settle (retry later), for the 同期の問題 screen.
    last_error   TEXT,
    -- For a rejection: the code, both messages, alternatives and caused_by, as the server sent.
    rejection    TEXT,
    PRIMARY KEY (device_id, seq)
) STRICT;

CREATE INDEX outbox_unsettled ON outbox (state, device_id, seq);

-- Which local rows an intent touches: a resident ('municipality_code:ticket_number') or a booking
-- (its id).
CREATE TABLE outbox_touches (
    device_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('resident', 'booking')),
    key        TEXT NOT NULL,
    PRIMARY KEY (kind, key, device_id, seq),
    FOREIGN KEY (device_id, seq) REFERENCES outbox (device_id, seq) ON DELETE CASCADE
) STRICT;

CREATE INDEX outbox_touches_by_intent ON outbox_touches (device_id, seq);

-- Local work not yet settled or refused and unresolved, by the rows it touches: a pull or a
-- resync leaves these rows alone.
CREATE VIEW holds AS
SELECT t.kind AS kind, t.key AS key, o.state AS state, o.id AS intent_id
-- CROSS JOIN keeps outbox_touches the outer loop: a look-up by (kind, key) then reads only the
-- intents touching that row, however many others are pending.
FROM outbox_touches t
CROSS JOIN outbox o ON o.device_id = t.device_id AND o.seq = t.seq
WHERE o.state IN ('pending', 'rejected');

-- Seats as this device sees them: the server's count (which includes the seats of this
-- clinic's leases), corrected by local bookings the server has not counted yet, less the seats of
-- unexpired leases that no booking used yet (this clinic may still book those; a leased seat once
-- used stays used, even if that booking is cancelled, as at the server).
CREATE VIEW slot_seats AS
SELECT s.id AS slot_id,
       s.capacity AS capacity,
       s.booked
         + coalesce((SELECT sum((b.status IN ('reserved', 'checked_in', 'vaccinated'))
                                - b.server_holds_seat)
                     FROM bookings b WHERE b.slot_id = s.id AND b.lease_id IS NULL), 0)
         - coalesce((SELECT sum(max(l.seats - (SELECT count(*) FROM bookings b
                                               WHERE b.lease_id = l.id), 0))
                     FROM leases l
                     WHERE l.slot_id = s.id AND julianday(l.expires_at) > julianday('now')), 0)
         AS booked
FROM slots s;

-- TOP screen and 接種予約: slots with their seats (公開枠/非公開枠, 残りN枠).
DROP VIEW slot_list;
CREATE VIEW slot_list AS
SELECT s.id            AS slot_id,
       s.venue_id      AS venue_id,
       v.venue_number  AS venue_number,
       v.name          AS venue_name,
       s.vaccine_code  AS vaccine_code,
       s.vaccine_name  AS vaccine_name,
       s.name          AS slot_name,
       s.local_date    AS date,
       s.start_time    AS start_time,
       s.end_time      AS end_time,
       s.visibility    AS visibility,
       s.capacity      AS capacity,
       seats.booked    AS booked,
       max(s.capacity - seats.booked, 0) AS remaining
FROM slots s
JOIN venues v ON v.id = s.venue_id
JOIN slot_seats seats ON seats.slot_id = s.id;

-- 接種予約's calendar: per venue, vaccine and day, the seats left in public and private slots.
CREATE VIEW slot_calendar AS
SELECT venue_id, venue_name, vaccine_code, vaccine_name, date,
       sum(CASE visibility WHEN 'public' THEN remaining ELSE 0 END)  AS public_remaining,
       sum(CASE visibility WHEN 'private' THEN remaining ELSE 0 END) AS private_remaining,
       sum(remaining) AS remaining,
       sum(capacity)  AS capacity,
       count(*)       AS slot_count
FROM slot_list
GROUP BY venue_id, vaccine_code, date;

-- A booking's sync state for its badge: synced, pending (not yet sent or settled), rejected (a
-- 同期の問題), or tentative (a public seat booked offline without a lease, not yet confirmed).
CREATE VIEW booking_state AS
SELECT b.id AS booking_id,
       CASE
           WHEN EXISTS (SELECT 1 FROM holds h
                        WHERE h.kind = 'booking' AND h.key = b.id AND h.state = 'rejected')
               THEN 'rejected'
           WHEN NOT EXISTS (SELECT 1 FROM holds h WHERE h.kind = 'booking' AND h.key = b.id)
               THEN 'synced'
           WHEN b.tentative = 1 THEN 'tentative'
           ELSE 'pending'
       END AS sync_state
FROM bookings b;

-- 接種予約状況・実績 一覧 (manual 4-1) and 受付: the day's bookings with their resident and slot.
CREATE VIEW day_list AS
SELECT b.id                 AS booking_id,
       s.venue_id           AS venue_id,
       v.name               AS venue_name,
       s.vaccine_code       AS vaccine_code,
       s.vaccine_name       AS vaccine_name,
       s.local_date         AS date,
       s.start_time         AS start_time,
       s.end_time           AS end_time,
       s.id                 AS slot_id,
       s.name               AS slot_name,
       s.visibility         AS visibility,
       b.municipality_code  AS municipality_code,
       b.ticket_number      AS ticket_number,
       r.birth_date         AS birth_date,
       r.family_name_kana   AS family_name_kana,
       r.given_name_kana    AS given_name_kana,
       r.phone              AS phone,
       b.dose               AS dose,
       b.status             AS status,
       b.channel            AS channel,
       b.lot_number         AS lot_number,
       b.vaccinated_at      AS vaccinated_at,
       st.sync_state        AS sync_state
FROM bookings b
JOIN slots s ON s.id = b.slot_id
JOIN venues v ON v.id = s.venue_id
JOIN residents r ON r.municipality_code = b.municipality_code
                AND r.ticket_number = b.ticket_number
JOIN booking_state st ON st.booking_id = b.id;

-- 住民検索's result rows: a resident with the 1回目接種 / 2回目接種 columns (the dose's booking that
-- is not cancelled, else the latest: its date and status). Correlated subqueries, so a search
-- touches only the residents it finds.
CREATE VIEW resident_search AS
SELECT r.municipality_code, r.ticket_number, r.birth_date,
       r.family_name_kana, r.given_name_kana, r.sex, r.phone,
       r.name_key, r.phone_digits, r.verified,
       (SELECT s.local_date FROM bookings b JOIN slots s ON s.id = b.slot_id
        WHERE b.municipality_code = r.municipality_code AND b.ticket_number = r.ticket_number
          AND b.dose = 1
        ORDER BY b.status = 'cancelled', s.starts_at DESC LIMIT 1) AS dose1_date,
       (SELECT b.status FROM bookings b JOIN slots s ON s.id = b.slot_id
        WHERE b.municipality_code = r.municipality_code AND b.ticket_number = r.ticket_number
          AND b.dose = 1
        ORDER BY b.status = 'cancelled', s.starts_at DESC LIMIT 1) AS dose1_status,
       (SELECT s.local_date FROM bookings b JOIN slots s ON s.id = b.slot_id
        WHERE b.municipality_code = r.municipality_code AND b.ticket_number = r.ticket_number
          AND b.dose = 2
        ORDER BY b.status = 'cancelled', s.starts_at DESC LIMIT 1) AS dose2_date,
       (SELECT b.status FROM bookings b JOIN slots s ON s.id = b.slot_id
        WHERE b.municipality_code = r.municipality_code AND b.ticket_number = r.ticket_number
          AND b.dose = 2
        ORDER BY b.status = 'cancelled', s.starts_at DESC LIMIT 1) AS dose2_status,
       CASE
           WHEN EXISTS (SELECT 1 FROM holds h
                        WHERE h.kind = 'resident'
                          AND h.key = r.municipality_code || ':' || r.ticket_number
                          AND h.state = 'rejected') THEN 'rejected'
           WHEN EXISTS (SELECT 1 FROM holds h
                        WHERE h.kind = 'resident'
                          AND h.key = r.municipality_code || ':' || r.ticket_number)
               THEN 'pending'
           ELSE 'synced'
       END AS sync_state
FROM residents r;

-- 同期の問題: every refused intent not yet resolved, with what it was about.
CREATE VIEW sync_problems AS
SELECT o.id AS intent_id, o.seq AS seq, o.kind AS kind, o.action AS action,
       o.rejection AS rejection, o.created_at AS created_at, o.settled_at AS settled_at
FROM outbox o
WHERE o.state = 'rejected';
