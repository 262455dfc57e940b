-- The waiting room in front of the web's bookings on opening day: each arrival takes the next
-- place in its municipality's line and the time it is let in, first come first served at the rate
-- the city can book. Every server instance takes places from the same row, so there is one line.
create table waiting_lines (
    municipality_code text primary key references municipalities (code),
    last_position bigint not null check (last_position > 0),
    -- When the last place taken is let in: the next one an interval later, or at once when the
    -- line has caught up with its arrivals.
    last_admitted_at timestamptz not null
);

-- The key that signs the places handed out (HMAC-SHA256): one for every instance, made once.
create table waiting_room_key (
    id boolean primary key default true check (id),
    key bytea not null check (length(key) = 32)
);
