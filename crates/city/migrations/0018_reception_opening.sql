-- 受付開始: a period's 公開枠 are on offer to the web, the call center and the waiting list only
-- once the period has opened (periods.opened_at): by itself at the start of its reception_opens
-- day in Tokyo, or earlier when the city opens it. Its clinics see their own slots before, to
-- check the set-up. Slots of no period are always open. Every query that offers public seats
-- asks this one function, so the rule has one definition.
create function slot_reception_open(municipality text, period int) returns boolean
    language sql stable parallel safe
    as $$
        select period is null or exists (
            select 1 from periods p
            where p.municipality_code = municipality and p.number = period
              and p.opened_at is not null)
    $$;

-- The opener's question every second: which periods are due and not open yet.
create index periods_to_open on periods (reception_opens) where opened_at is null;

-- The opening at 受付開始 is the server's own, on the city's schedule: an admin row without an
-- account. Every other row still names its account, except the web's, which never does.
alter table audit_log drop constraint audit_log_check;
alter table audit_log add constraint audit_log_account_check
    check (case channel
               when 'web' then account_id is null
               when 'admin' then true
               else account_id is not null
           end);
