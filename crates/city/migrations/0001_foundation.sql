-- The city's system of record. Every table's key leads with municipality_code, so one schema
-- serves many municipalities and could later be distributed by that column without a rewrite.
-- Invariants live here where the database can hold them.

create table municipalities (
    -- 自治体番号; the application checks the check digit, the database the shape.
    code text primary key check (code ~ '^[0-9]{6}$'),
    name_ja text not null check (name_ja <> ''),
    name_en text not null check (name_en <> '')
);

-- Vaccine products are data, not code.
create table vaccines (
    municipality_code text not null references municipalities (code),
    code text not null check (code ~ '^[a-z0-9_-]{1,32}$'),
    name_ja text not null check (name_ja <> ''),
    name_en text not null check (name_en <> ''),
    doses_per_vial int not null check (doses_per_vial > 0),
    usable_hours_after_dilution int not null check (usable_hours_after_dilution > 0),
    dose_interval_days int not null check (dose_interval_days > 0),
    earliest_interval_days int not null
        check (earliest_interval_days > 0 and earliest_interval_days <= dose_interval_days),
    warn_after_days int not null check (warn_after_days >= dose_interval_days),
    primary key (municipality_code, code)
);

create table accounts (
    municipality_code text not null references municipalities (code),
    id uuid not null,
    -- アカウントID, the login name (the same rule as yoyaku_core::AccountId).
    account_id text not null check (account_id ~ '^[A-Za-z0-9._-]{1,64}$'),
    display_name text not null check (display_name <> ''),
    role text not null check (role in ('clinic', 'call_center', 'city_admin')),
    password_hash text not null check (password_hash like '$argon2id$%'),
    created_at timestamptz not null default now(),
    primary key (municipality_code, id),
    unique (municipality_code, account_id),
    -- The target of venues' foreign key that also pins the role.
    unique (municipality_code, id, role)
);

-- 接種会場
create table venues (
    municipality_code text not null references municipalities (code),
    id uuid not null,
    -- 会場番号, as used in slot names.
    venue_number int not null check (venue_number > 0),
    name text not null check (name <> ''),
    -- accounts.id of the clinic that runs the venue (not the login name accounts.account_id).
    clinic_account_id uuid,
    -- Lets the foreign key below refuse a venue run by a call center or admin account.
    clinic_role text not null generated always as ('clinic') stored,
    primary key (municipality_code, id),
    unique (municipality_code, venue_number),
    foreign key (municipality_code, clinic_account_id, clinic_role)
        references accounts (municipality_code, id, role)
);

create index venues_by_clinic on venues (municipality_code, clinic_account_id);

-- Bearer tokens are stored only as their SHA-256, so a leaked table logs nobody in.
create table sessions (
    municipality_code text not null,
    token_hash bytea not null check (octet_length(token_hash) = 32),
    -- accounts.id (not the login name accounts.account_id).
    account_id uuid not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null check (expires_at > created_at),
    primary key (municipality_code, token_hash),
    foreign key (municipality_code, account_id)
        references accounts (municipality_code, id) on delete cascade
);

-- A request carries only the token, so sessions are found by its hash alone.
create unique index sessions_by_token_hash on sessions (token_hash);

-- 予約枠
create table slots (
    municipality_code text not null,
    id uuid not null,
    venue_id uuid not null,
    vaccine_code text not null,
    -- 予約枠名, e.g. 【WEB・コールセンター受付】101.20211025.0900; staff tell slots apart by it.
    name text not null check (name <> ''),
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    -- 公開枠 (web, call center and clinic) or 非公開枠 (the venue's clinic only).
    visibility text not null check (visibility in ('public', 'private')),
    capacity int not null check (capacity >= 0),
    -- May exceed capacity: a same-day time change (manual 3-2 ②) may overfill a slot.
    booked int not null default 0 check (booked >= 0),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (municipality_code, id),
    unique (municipality_code, name),
    foreign key (municipality_code, venue_id) references venues (municipality_code, id),
    foreign key (municipality_code, vaccine_code) references vaccines (municipality_code, code),
    check (ends_at > starts_at)
);

create index slots_by_venue_and_start on slots (municipality_code, venue_id, starts_at);

-- 有効接種券: a resident may book only with a ticket the city issued.
create table valid_tickets (
    municipality_code text not null references municipalities (code),
    ticket_number char(10) not null check (ticket_number ~ '^[0-9]{10}$'),
    birth_date date not null,
    primary key (municipality_code, ticket_number)
);
