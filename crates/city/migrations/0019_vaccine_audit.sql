-- The city's administrators add vaccine products (接種ワクチン) themselves, audited like the rest.
alter table audit_log drop constraint audit_log_entity_kind_check;
alter table audit_log add constraint audit_log_entity_kind_check
    check (entity_kind in ('slot', 'booking', 'resident', 'valid_tickets', 'account', 'venue',
                           'period', 'dose_cap', 'slot_report', 'waitlist', 'vaccine'));
