-- The clinic sync (DESIGN.md, Sync): devices and the outcome of every intent they pushed, the
-- change sequence pulls follow, and seat leases for offline public bookings.

-- A clinic's installation of the desktop app. An intent is settled (applied or rejected) together
-- with `last_settled_seq` in one transaction, so a batch sent again after a lost reply applies
-- nothing twice.
create table devices (
    municipality_code text not null references municipalities (code),
    id uuid not null,
    -- accounts.id of the clinic the device pushes for; a device never changes hands.
    account_id uuid not null,
    last_settled_seq bigint not null default 0 check (last_settled_seq >= 0),
    created_at timestamptz not null default now(),
    last_push_at timestamptz,
    primary key (municipality_code, id),
    foreign key (municipality_code, account_id) references accounts (municipality_code, id)
);

create table intent_results (
    municipality_code text not null,
    device_id uuid not null,
    seq bigint not null check (seq > 0),
    intent_id uuid not null,
    -- yoyaku_core::sync::Outcome as JSON: replayed as is when the intent is sent again.
    outcome jsonb not null,
    settled_at timestamptz not null default now(),
    primary key (municipality_code, device_id, seq),
    unique (municipality_code, intent_id),
    foreign key (municipality_code, device_id) references devices (municipality_code, id)
);

-- Change sequence numbers are handed out by one sequencer, after commit, in the order changes
-- became visible: a pull that has seen seq N will never later find a change below N appear.
create sequence change_seq as bigint;

-- Changes of slots made outside the booking transactions (slot set-up, a period opening and
-- turning earlier slots private) reach the clinics too. Seat counts are not tracked here: every
-- booking change carries its slot's current seats.
create function slots_record_change() returns trigger language plpgsql as $$
begin
    insert into changes (municipality_code, entity_kind, entity_id, venue_id)
    values (new.municipality_code, 'slot', new.id::text, new.venue_id);
    return null;
end
$$;

create trigger slots_changed_insert
    after insert on slots
    for each row execute function slots_record_change();

create trigger slots_changed_update
    after update of visibility, capacity, name, starts_at, ends_at, venue_id on slots
    for each row execute function slots_record_change();

-- A slot removed before anyone booked it: its venue's clinics must drop it from their cache.
create function slots_record_removal() returns trigger language plpgsql as $$
begin
    insert into changes (municipality_code, entity_kind, entity_id, venue_id)
    values (old.municipality_code, 'slot', old.id::text, old.venue_id);
    return null;
end
$$;

create trigger slots_changed_delete
    after delete on slots
    for each row execute function slots_record_removal();

-- A few public seats of a clinic's own slot, held while online so that bookings made offline
-- are certain. The seats count in slots.booked while held; unused ones return at expiry.
create table leases (
    municipality_code text not null,
    id uuid not null,
    slot_id uuid not null,
    -- accounts.id of the clinic holding it.
    account_id uuid not null,
    seats int not null check (seats > 0),
    used int not null default 0 check (used >= 0 and used <= seats),
    expires_at timestamptz not null,
    -- Set when the unused seats went back to the slot.
    released_at timestamptz,
    created_at timestamptz not null default now(),
    primary key (municipality_code, id),
    foreign key (municipality_code, slot_id) references slots (municipality_code, id),
    foreign key (municipality_code, account_id) references accounts (municipality_code, id)
);

create index leases_to_release on leases (expires_at) where released_at is null;
