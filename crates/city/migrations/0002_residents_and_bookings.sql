-- Residents (予約者情報), their bookings from every channel, the append-only audit log, and the
-- change log the clinic sync pulls from. Every key leads with municipality_code.

-- A resident's key must match the registry's birth date too: the target of residents' foreign key.
alter table valid_tickets
    add constraint valid_tickets_with_birth_date unique (municipality_code, ticket_number, birth_date);

-- 予約者情報 (manual 2-1 ④). A row exists only for a ticket of the registry with the same birth
-- date: a made-up ticket or a wrong birth date can never become a resident.
create table residents (
    municipality_code text not null,
    -- text rather than valid_tickets' char(10): the server binds strings as text, and a char column
    -- compared with a text value cannot use its index. (Queries of valid_tickets cast to bpchar.)
    ticket_number text not null check (ticket_number ~ '^[0-9]{10}$'),
    birth_date date not null,
    -- Full-width katakana as yoyaku_core::kana::KanaName stores them.
    family_name_kana text not null check (family_name_kana <> ''),
    given_name_kana text not null check (given_name_kana <> ''),
    -- What resident search compares by prefix (yoyaku_core::kana::search_key): the whole name
    -- without its spaces.
    kana_key text not null
        generated always as (replace(family_name_kana || given_name_kana, '　', '')) stored,
    sex text not null check (sex in ('male', 'female', 'unset')),
    -- National digits, as yoyaku_core::contact::Phone keeps them.
    phone text not null check (phone ~ '^0[0-9]{9,10}$'),
    email text check (email <> ''),
    memo text not null default '',
    -- accounts.id of who registered the resident first; null when a resident did on the web.
    registered_by uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (municipality_code, ticket_number),
    foreign key (municipality_code, ticket_number, birth_date)
        references valid_tickets (municipality_code, ticket_number, birth_date),
    foreign key (municipality_code, registered_by) references accounts (municipality_code, id)
);

-- Katakana keys hold neither % nor _, so a LIKE prefix needs no escaping and can use this index.
create index residents_by_kana on residents (municipality_code, kana_key text_pattern_ops);
create index residents_by_phone on residents (municipality_code, phone);

-- 予約. Statuses and channels are yoyaku_core's BookingStatus and Channel.
create table bookings (
    municipality_code text not null,
    -- Made by the client (a retry keeps it) or by the server.
    id uuid not null,
    ticket_number text not null,
    slot_id uuid not null,
    dose smallint not null check (dose between 1 and 9),
    status text not null
        check (status in ('reserved', 'cancelled', 'checked_in', 'vaccinated', 'no_show')),
    channel text not null check (channel in ('web', 'call_center', 'clinic')),
    -- accounts.id of the receptionist or operator; a resident on the web has none.
    booked_by uuid,
    lot_number text check (lot_number ~ '^[A-Z0-9-]{1,20}$'),
    vaccinated_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (municipality_code, id),
    foreign key (municipality_code, ticket_number) references residents (municipality_code, ticket_number),
    foreign key (municipality_code, slot_id) references slots (municipality_code, id),
    foreign key (municipality_code, booked_by) references accounts (municipality_code, id),
    check ((channel = 'web') = (booked_by is null)),
    -- A dose given has its lot and time; no other booking has either.
    check ((status = 'vaccinated') = (lot_number is not null and vaccinated_at is not null))
);

-- One active booking per resident and dose, whichever channel made it (BookingStatus::is_active).
create unique index bookings_one_active_per_dose on bookings (municipality_code, ticket_number, dose)
    where status in ('reserved', 'checked_in', 'vaccinated');
create index bookings_by_resident on bookings (municipality_code, ticket_number);
create index bookings_by_slot on bookings (municipality_code, slot_id);

-- Who did what, when, through which channel: written in the same transaction as the change and
-- never altered afterwards.
create table audit_log (
    municipality_code text not null references municipalities (code),
    id bigint generated always as identity,
    at timestamptz not null default now(),
    -- accounts.id; null for a resident on the web.
    account_id uuid,
    channel text not null check (channel in ('web', 'call_center', 'clinic')),
    -- accounts.id of the clinic the call center acted for (manual 3-1).
    on_behalf_of uuid,
    -- e.g. booking.book, booking.cancel, resident.register
    action text not null check (action ~ '^[a-z_]+\.[a-z_]+$'),
    entity_kind text not null check (entity_kind in ('slot', 'booking', 'resident')),
    entity_id text not null,
    before jsonb,
    after jsonb,
    primary key (municipality_code, id),
    foreign key (municipality_code, account_id) references accounts (municipality_code, id),
    foreign key (municipality_code, on_behalf_of) references accounts (municipality_code, id),
    check ((channel = 'web') = (account_id is null)),
    check (on_behalf_of is null or channel = 'call_center')
);

create index audit_log_by_entity on audit_log (municipality_code, entity_kind, entity_id);

-- The application has one database role, so privileges cannot make the log append-only; this does.
create function audit_log_refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'audit_log is append-only: % refused', tg_op
        using errcode = 'insufficient_privilege';
end
$$;

create trigger audit_log_append_only
    before update or delete on audit_log
    for each row execute function audit_log_refuse_change();

create trigger audit_log_no_truncate
    before truncate on audit_log
    for each statement execute function audit_log_refuse_change();

-- What changed, for the clinic sync pull: every write of residents and bookings appends here in
-- its own transaction, one row per venue whose clinic may see the entity (a slot's and a booking's
-- venue; for a resident, each venue where they have a booking). A sequencer assigns `seq` after
-- the writing transaction (`txid`) commits, so pulls follow commit order, not insert order.
create table changes (
    municipality_code text not null,
    id bigint generated always as identity,
    entity_kind text not null check (entity_kind in ('slot', 'booking', 'resident')),
    -- slots.id and bookings.id as text; residents.ticket_number.
    entity_id text not null,
    venue_id uuid not null,
    txid xid8 not null default pg_current_xact_id(),
    seq bigint,
    created_at timestamptz not null default now(),
    primary key (municipality_code, id),
    foreign key (municipality_code, venue_id) references venues (municipality_code, id)
);

-- The sequencer numbers the whole table's unnumbered rows in commit order, across municipalities.
create index changes_unsequenced on changes (txid, id) where seq is null;
create index changes_by_venue_and_seq on changes (municipality_code, venue_id, seq)
    where seq is not null;
