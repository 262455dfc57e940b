-- 第N期 (reception periods), each clinic's 接種可能上限量 for a period, and the 予約枠報告様式 the
-- city received, as the slot-setup notice of 2021-09-27 describes them.

create table periods (
    municipality_code text not null references municipalities (code),
    number int not null check (number > 0),
    -- The vaccine of the slots set up from the period's reports.
    vaccine_code text not null,
    -- １回目接種期間 and ２回目接種期間, both ends included.
    first_dose_first date not null,
    first_dose_last date not null,
    second_dose_first date not null,
    second_dose_last date not null,
    -- 予約枠報告様式提出期限, セットアップされた予約枠の修正受付期限, 予約受付開始.
    submission_deadline date not null,
    correction_deadline date not null,
    reception_opens date not null,
    -- When reception was opened, and how many earlier periods' public slots it turned private.
    opened_at timestamptz,
    slots_made_private int not null default 0 check (slots_made_private >= 0),
    created_at timestamptz not null default now(),
    primary key (municipality_code, number),
    foreign key (municipality_code, vaccine_code) references vaccines (municipality_code, code),
    -- The same order yoyaku_core::period::Period::new checks.
    check (first_dose_first <= first_dose_last and second_dose_first <= second_dose_last),
    check (second_dose_first > first_dose_first),
    check (submission_deadline <= correction_deadline
           and correction_deadline <= reception_opens
           and reception_opens <= first_dose_first)
);

-- 接種可能上限量: the doses a clinic may offer in a period, over all its venues. What its reports
-- leave unused is its own reception (独自の受付枠).
create table period_dose_caps (
    municipality_code text not null,
    period_number int not null,
    -- accounts.id of the clinic (not the login name accounts.account_id).
    clinic_account_id uuid not null,
    clinic_role text not null generated always as ('clinic') stored,
    doses int not null check (doses >= 0),
    updated_at timestamptz not null default now(),
    primary key (municipality_code, period_number, clinic_account_id),
    foreign key (municipality_code, period_number) references periods (municipality_code, number),
    foreign key (municipality_code, clinic_account_id, clinic_role)
        references accounts (municipality_code, id, role)
);

-- The period a slot was set up for; null for slots that belong to no period.
alter table slots add column period_number int;
alter table slots add foreign key (municipality_code, period_number)
    references periods (municipality_code, number);
create index slots_by_period on slots (municipality_code, period_number, venue_id)
    where period_number is not null;

-- Every accepted 予約枠報告様式, as received; the latest per period and venue is what is set up.
create table slot_reports (
    municipality_code text not null,
    id uuid not null,
    period_number int not null,
    venue_id uuid not null,
    -- accounts.id of the clinic that reported, and of the city admin who entered it.
    clinic_account_id uuid not null,
    received_by uuid not null,
    received_at timestamptz not null default now(),
    -- 様式1 (public only), 2 (private only) or 3 (both).
    form smallint not null check (form between 1 and 3),
    -- The rows as reported: [{date, start, end, public_seats, private_seats}].
    rows jsonb not null check (jsonb_typeof(rows) = 'array'),
    -- The clinic's cap for the period when the report was accepted, the report's seats, and the
    -- remainder of the cap after all the clinic's venues (独自の受付枠).
    dose_cap int not null check (dose_cap >= 0),
    total_seats int not null check (total_seats >= 0),
    own_reception int not null check (own_reception >= 0),
    primary key (municipality_code, id),
    foreign key (municipality_code, period_number) references periods (municipality_code, number),
    foreign key (municipality_code, venue_id) references venues (municipality_code, id),
    foreign key (municipality_code, clinic_account_id) references accounts (municipality_code, id),
    foreign key (municipality_code, received_by) references accounts (municipality_code, id)
);

create index slot_reports_by_venue on slot_reports (municipality_code, period_number, venue_id);
