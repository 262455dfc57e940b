-- 市外住民 (manual 2-3): residents of another municipality, booked here for a reason of the
-- national guidance. Their tickets are not in this city's registry, and another municipality may
-- have issued the same 接種券番号 as this one, so a resident is known by the municipality that
-- issued their ticket too (home_code; this city's own residents have home_code = municipality_code).

alter table residents add column home_code text;
update residents set home_code = municipality_code;
alter table residents alter column home_code set not null;
alter table residents add constraint residents_home_code check (home_code ~ '^[0-9]{6}$');

-- Why a resident of another municipality is vaccinated here (yoyaku_core::out_of_municipality):
-- a reason of the guidance's lists other than 'other' (the call center decides those), and
-- whether the 住所地外接種届 is received. This city's residents have neither.
alter table residents add column outside_reason text check (outside_reason in (
    'returning_home_for_childbirth', 'working_away_from_family', 'student_living_away',
    'abuse_victim', 'inpatient_or_resident', 'underlying_condition_with_own_doctor',
    'disaster_victim', 'detained'));
alter table residents add column notification text
    check (notification in ('not_required', 'pending', 'received'));
alter table residents add constraint residents_outside_stay check (
    (home_code = municipality_code) = (outside_reason is null)
    and (outside_reason is null) = (notification is null));

-- Only this city's residents are checked against its registry: the generated column is null for
-- the others, which the foreign key then does not check.
alter table residents add column registry_ticket text
    generated always as (case when home_code = municipality_code then ticket_number end) stored;
alter table residents drop constraint residents_municipality_code_ticket_number_birth_date_fkey;
alter table residents add foreign key (municipality_code, registry_ticket, birth_date)
    references valid_tickets (municipality_code, ticket_number, birth_date);

alter table bookings add column home_code text;
update bookings set home_code = municipality_code;
alter table bookings alter column home_code set not null;

alter table resident_key_proofs add column home_code text;
update resident_key_proofs set home_code = municipality_code;
alter table resident_key_proofs alter column home_code set not null;

alter table bookings drop constraint bookings_municipality_code_ticket_number_fkey;
alter table resident_key_proofs drop constraint resident_key_proofs_pkey;
alter table residents drop constraint residents_pkey;
alter table residents add primary key (municipality_code, home_code, ticket_number);
alter table bookings add foreign key (municipality_code, home_code, ticket_number)
    references residents (municipality_code, home_code, ticket_number);
alter table resident_key_proofs add primary key (municipality_code, home_code, ticket_number,
                                                 account_id);

drop index bookings_one_active_per_dose;
create unique index bookings_one_active_per_dose
    on bookings (municipality_code, home_code, ticket_number, dose)
    where status in ('reserved', 'checked_in', 'vaccinated');
drop index bookings_by_resident;
create index bookings_by_resident on bookings (municipality_code, home_code, ticket_number);
