-- キャンセル待ち: a resident (on the web or through the call center) waits for a seat at a venue or
-- anywhere in a ward, between two dates, for a vaccine and dose. When a public seat frees there
-- (a cancellation, a change, a move), the oldest matching entry is offered it in the transaction
-- that freed it: the offer holds the seat in the slot's count (`slots.booked`), so the seat is
-- nobody else's until it is accepted (a booking like any other), declined or expires, and then
-- moves on to the next entry.
create table waitlist_entries (
    municipality_code text not null,
    id uuid not null,
    -- The resident: the 自治体番号 that issued the ticket, and the 接種券番号 (as residents).
    home_code text not null,
    ticket_number text not null,
    dose smallint not null check (dose between 1 and 9),
    vaccine_code text not null,
    -- One venue, or any venue of a ward (venues.ward).
    venue_id uuid,
    ward text check (ward <> ''),
    first_date date not null,
    last_date date not null,
    channel text not null check (channel in ('web', 'call_center')),
    -- accounts.id of the operator who put the resident down; none from the web.
    created_by uuid,
    -- waiting: in line; offered: a seat is held for them; booked: they took one; withdrawn:
    -- they left the line; lapsed: an offer expired unanswered.
    state text not null default 'waiting'
        check (state in ('waiting', 'offered', 'booked', 'withdrawn', 'lapsed')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (municipality_code, id),
    foreign key (municipality_code, home_code, ticket_number)
        references residents (municipality_code, home_code, ticket_number),
    foreign key (municipality_code, vaccine_code) references vaccines (municipality_code, code),
    foreign key (municipality_code, venue_id) references venues (municipality_code, id),
    foreign key (municipality_code, created_by) references accounts (municipality_code, id),
    check ((venue_id is null) <> (ward is null)),
    check (first_date <= last_date),
    check ((channel = 'web') = (created_by is null))
);

-- In line once per resident and dose.
create unique index waitlist_one_entry_per_dose
    on waitlist_entries (municipality_code, home_code, ticket_number, dose)
    where state in ('waiting', 'offered');
-- First come, first offered.
create index waitlist_in_line on waitlist_entries (municipality_code, vaccine_code, created_at, id)
    where state = 'waiting';

create table waitlist_offers (
    municipality_code text not null,
    id uuid not null,
    entry_id uuid not null,
    slot_id uuid not null,
    expires_at timestamptz not null,
    state text not null default 'open' check (state in ('open', 'accepted', 'declined', 'expired')),
    -- The booking an accepted offer became.
    booking_id uuid,
    created_at timestamptz not null default now(),
    primary key (municipality_code, id),
    foreign key (municipality_code, entry_id) references waitlist_entries (municipality_code, id),
    foreign key (municipality_code, slot_id) references slots (municipality_code, id),
    foreign key (municipality_code, booking_id) references bookings (municipality_code, id),
    check ((state = 'accepted') = (booking_id is not null))
);

-- One open offer per entry: a resident is never offered two seats at once. Each open offer holds
-- its own seat in the slot's count, so no seat is ever offered to two residents.
create unique index waitlist_one_open_offer on waitlist_offers (municipality_code, entry_id)
    where state = 'open';
create index waitlist_open_offers on waitlist_offers (expires_at) where state = 'open';

alter table audit_log drop constraint audit_log_entity_kind_check;
alter table audit_log add constraint audit_log_entity_kind_check
    check (entity_kind in ('slot', 'booking', 'resident', 'valid_tickets', 'account', 'venue',
                           'period', 'dose_cap', 'slot_report', 'waitlist'));
