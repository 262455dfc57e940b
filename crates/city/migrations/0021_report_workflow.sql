-- The notice's workflow for 予約枠報告: clinics submit their own reports (提出済), the city sets
-- them up (セットアップ済), either side asks for a correction (修正依頼), the city confirms (確定).
-- Each submission is a row; the one it replaces stays as 'superseded', so at most one report per
-- period and venue is live. Until now every report was entered and set up by the city at once.
alter table slot_reports
    add column state text not null default 'set_up'
        check (state in ('submitted', 'set_up', 'correction_requested', 'returned', 'confirmed',
                         'superseded')),
    -- Entered by the city after 修正受付期限, knowing the slots may miss 受付開始.
    add column late boolean not null default false,
    -- Why the city sent it back (修正依頼 from the city), shown to the clinic.
    add column returned_reason text
        check (returned_reason is null or char_length(returned_reason) between 1 and 500),
    -- The administrator who last set it up, sent it back or confirmed it, and when.
    add column decided_by uuid,
    add column decided_at timestamptz,
    add foreign key (municipality_code, decided_by) references accounts (municipality_code, id),
    -- A report sent back says why; once replaced, the reason stays on record.
    add check (state <> 'returned' or returned_reason is not null);
alter table slot_reports alter column state drop default;

comment on column slot_reports.received_by is
    'accounts.id of who submitted it: the clinic itself, or the city entering a form it received';

-- Every report but the newest of its period and venue was replaced by it.
update slot_reports r set state = 'superseded'
where exists (select 1 from slot_reports newer
              where newer.municipality_code = r.municipality_code
                and newer.period_number = r.period_number and newer.venue_id = r.venue_id
                and (newer.received_at, newer.id) > (r.received_at, r.id));

create unique index slot_reports_one_live on slot_reports (municipality_code, period_number, venue_id)
    where state <> 'superseded';
