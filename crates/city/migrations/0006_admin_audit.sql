-- The city's own administration (registry imports, accounts, venues, periods, caps, slot reports,
-- opening a period) is audited like every booking: who, when, what, and the state after.
alter table audit_log drop constraint audit_log_channel_check;
alter table audit_log add constraint audit_log_channel_check
    check (channel in ('web', 'call_center', 'clinic', 'admin'));

alter table audit_log drop constraint audit_log_entity_kind_check;
alter table audit_log add constraint audit_log_entity_kind_check
    check (entity_kind in ('slot', 'booking', 'resident', 'valid_tickets', 'account', 'venue',
                           'period', 'dose_cap', 'slot_report'));
