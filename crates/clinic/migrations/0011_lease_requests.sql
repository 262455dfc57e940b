-- Leases asked for and not answered yet (the answer lost, or never sent): asked again with the
-- same id, the city answers with the lease it may have made, so no seat is taken twice.
CREATE TABLE lease_requests (
    id        TEXT PRIMARY KEY,
    slot_id   TEXT NOT NULL UNIQUE REFERENCES slots (id) ON DELETE CASCADE,
    asked_at  TEXT NOT NULL
) STRICT;
