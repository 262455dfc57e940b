-- The clinic's local cache. One account per device at a time; its venues and slots as last
-- pulled from the city server. Times are stored as RFC 3339 UTC text; the Tokyo date and wall-clock
-- times are stored beside them so list screens can filter and sort without time-zone maths.

CREATE TABLE account (
    -- A single row: the account that last logged in on this device.
    singleton          INTEGER PRIMARY KEY CHECK (singleton = 1),
    municipality_code  TEXT NOT NULL CHECK (length(municipality_code) = 6),
    municipality_name  TEXT NOT NULL,
    account_id         TEXT NOT NULL,
    display_name       TEXT NOT NULL,
    role               TEXT NOT NULL CHECK (role IN ('clinic', 'call_center', 'city_admin')),
    -- argon2id hash of the password of the last successful online login: lets the same person
    -- open the app on its cache while the network is down.
    password_hash      TEXT NOT NULL,
    session_token      TEXT,
    session_expires_at TEXT,
    logged_in_at       TEXT NOT NULL
) STRICT;

CREATE TABLE venues (
    id            TEXT PRIMARY KEY,
    venue_number  INTEGER NOT NULL,
    name          TEXT NOT NULL
) STRICT;

CREATE TABLE slots (
    id            TEXT PRIMARY KEY,
    venue_id      TEXT NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    vaccine_code  TEXT NOT NULL,
    vaccine_name  TEXT NOT NULL,
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    local_date    TEXT NOT NULL,
    start_time    TEXT NOT NULL,
    end_time      TEXT NOT NULL,
    visibility    TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
    capacity      INTEGER NOT NULL CHECK (capacity >= 0),
    booked        INTEGER NOT NULL CHECK (booked >= 0)
) STRICT;

CREATE INDEX slots_by_day ON slots (local_date, start_time);

CREATE TABLE sync_state (
    singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
    last_success_at  TEXT
) STRICT;

INSERT INTO sync_state (singleton, last_success_at) VALUES (1, NULL);

-- TOP screen: the clinic's slots with their seats (公開枠/非公開枠, 残りN枠).
CREATE VIEW slot_list AS
SELECT s.id            AS slot_id,
       s.venue_id      AS venue_id,
       v.venue_number  AS venue_number,
       v.name          AS venue_name,
       s.vaccine_name  AS vaccine_name,
       s.name          AS slot_name,
       s.local_date    AS date,
       s.start_time    AS start_time,
       s.end_time      AS end_time,
       s.visibility    AS visibility,
       s.capacity      AS capacity,
       s.booked        AS booked,
       max(s.capacity - s.booked, 0) AS remaining
FROM slots s
JOIN venues v ON v.id = s.venue_id;
