-- Reads the use cases make on every booking, and 住民検索, without visiting rows that cannot
-- change the answer.

-- Seats: only a booking whose seat the server's count does not reflect yet corrects that count
-- (a pending booking, or a cancellation not yet pushed). This index holds just those, so a slot's
-- seats cost a look-up whatever the number of synced bookings in it. Its WHERE clause is repeated
-- word for word in slot_seats: SQLite uses a partial index only for a query that says the same.
CREATE INDEX bookings_unsettled_seats ON bookings (slot_id)
    WHERE lease_id IS NULL
      AND (status IN ('reserved', 'checked_in', 'vaccinated')) <> server_holds_seat;

-- A booking moved to another time of its day (manual 3-2 ②) while the server still counts it in
-- its first slot: that slot, until the move is applied, shows the seat as free already.
ALTER TABLE bookings ADD COLUMN moved_from TEXT;
CREATE INDEX bookings_moved_from ON bookings (moved_from) WHERE moved_from IS NOT NULL;

-- A lease's used seats are counted by the bookings naming it that hold their seat: a booking on a
-- leased seat that is cancelled (or not attended) while the lease runs gives the seat back to the
-- lease, as the city server does.
CREATE INDEX bookings_by_lease ON bookings (lease_id) WHERE lease_id IS NOT NULL;

-- Seats as this device sees them: the server's count (which includes the seats of this clinic's
-- leases), corrected by local bookings the server has not counted yet and by those moved out of
-- the slot locally, less the seats of unexpired leases that no booking holds (this clinic may
-- still book those).
DROP VIEW slot_seats;
CREATE VIEW slot_seats AS
SELECT s.id AS slot_id,
       s.capacity AS capacity,
       s.booked
         + coalesce((SELECT sum((b.status IN ('reserved', 'checked_in', 'vaccinated'))
                                - b.server_holds_seat)
                     FROM bookings b
                     WHERE b.slot_id = s.id
                       AND b.lease_id IS NULL
                       AND (b.status IN ('reserved', 'checked_in', 'vaccinated'))
                           <> b.server_holds_seat),
                    0)
         - (SELECT count(*) FROM bookings b WHERE b.moved_from = s.id)
         - coalesce((SELECT sum(max(l.seats - (SELECT count(*) FROM bookings b
                                               WHERE b.lease_id = l.id
                                                 AND b.status IN ('reserved', 'checked_in',
                                                                  'vaccinated')), 0))
                     FROM leases l
                     WHERE l.slot_id = s.id AND julianday(l.expires_at) > julianday('now')), 0)
         AS booked
FROM slots s;

-- 住民検索: each dose column is the booking one subquery picks (not cancelled first, then the
-- latest), joined by rowid; the resident's own sync state is one subquery over its holds.
DROP VIEW resident_search;
CREATE VIEW resident_search AS
SELECT r.municipality_code, r.ticket_number, r.birth_date,
       r.family_name_kana, r.given_name_kana, r.sex, r.phone,
       r.name_key, r.phone_digits, r.verified,
       s1.local_date AS dose1_date, b1.status AS dose1_status,
       s2.local_date AS dose2_date, b2.status AS dose2_status,
       CASE (SELECT max(h.state = 'rejected') FROM holds h
             WHERE h.kind = 'resident'
               AND h.key = r.municipality_code || ':' || r.ticket_number)
           WHEN 1 THEN 'rejected'
           WHEN 0 THEN 'pending'
           ELSE 'synced'
       END AS sync_state
FROM residents r
LEFT JOIN bookings b1 ON b1.rowid = (
    SELECT b.rowid FROM bookings b JOIN slots s ON s.id = b.slot_id
    WHERE b.municipality_code = r.municipality_code AND b.ticket_number = r.ticket_number
      AND b.dose = 1
    ORDER BY b.status = 'cancelled', s.starts_at DESC LIMIT 1)
LEFT JOIN slots s1 ON s1.id = b1.slot_id
LEFT JOIN bookings b2 ON b2.rowid = (
    SELECT b.rowid FROM bookings b JOIN slots s ON s.id = b.slot_id
    WHERE b.municipality_code = r.municipality_code AND b.ticket_number = r.ticket_number
      AND b.dose = 2
    ORDER BY b.status = 'cancelled', s.starts_at DESC LIMIT 1)
LEFT JOIN slots s2 ON s2.id = b2.slot_id;

-- The header's 未送信 and 同期の問題 counts, kept by triggers: read after every write, they cost a
-- row instead of a count over the outbox.
CREATE TABLE outbox_counts (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    pending    INTEGER NOT NULL CHECK (pending >= 0),
    rejected   INTEGER NOT NULL CHECK (rejected >= 0)
) STRICT;

INSERT INTO outbox_counts (singleton, pending, rejected)
SELECT 1, count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'rejected')
FROM outbox;

CREATE TRIGGER outbox_counts_insert AFTER INSERT ON outbox BEGIN
    UPDATE outbox_counts SET pending = pending + (NEW.state = 'pending'),
                             rejected = rejected + (NEW.state = 'rejected');
END;

CREATE TRIGGER outbox_counts_update AFTER UPDATE OF state ON outbox BEGIN
    UPDATE outbox_counts
    SET pending = pending + (NEW.state = 'pending') - (OLD.state = 'pending'),
        rejected = rejected + (NEW.state = 'rejected') - (OLD.state = 'rejected');
END;

CREATE TRIGGER outbox_counts_delete AFTER DELETE ON outbox BEGIN
    UPDATE outbox_counts SET pending = pending - (OLD.state = 'pending'),
                             rejected = rejected - (OLD.state = 'rejected');
END;
