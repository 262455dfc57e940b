-- 市総合体育館等 (the slot-setup notice, item 1): the city's mass-vaccination venues. When a
-- resident's second dose falls after a period's second-dose window, it is booked there; a clinic
-- may book their 公開枠 as the call center does (yoyaku_core::channel::may_book).
alter table venues add column mass_venue boolean not null default false;

create index venues_mass on venues (municipality_code) where mass_venue;
