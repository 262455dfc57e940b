-- yoyaku-city on Citus, for a national deployment: every municipality on one system, its rows on
-- the node that holds its municipality_code. Run once on the coordinator, after the server's
-- migrations (`yoyaku-city serve` runs them on start; stop it while this runs), with the Citus
-- extension created and the worker nodes added. docs/CITUS.md says why each table is where it is.
--
-- Every table's primary key and unique constraints lead with municipality_code, and every foreign
-- key between them includes it, so the distributed tables are co-located: a municipality's venues,
-- slots, residents and bookings are on one node, and a booking's transaction runs there alone.
-- tests/citus.rs checks that every query of the server carries the key, reading this file for the
-- list of distributed tables.

begin;

-- Reference tables: small, read by everyone, copied to every node.
-- The municipalities every key refers to.
select create_reference_table('municipalities');
-- One row: the highest change number pruned, read by every clinic's pull.
select create_reference_table('change_horizon');
-- One row: the key that signs opening day's waiting-room places, shared by every instance.
select create_reference_table('waiting_room_key');

-- The token hash alone is unique anyway (SHA-256 of 32 random bytes); Citus keeps unique
-- indexes only with the distribution key, and the primary key (municipality_code, token_hash)
-- serves every look-up, since a token names its municipality.
drop index sessions_by_token_hash;

-- Distributed by municipality_code, all co-located with the first, in the order of their
-- foreign keys (a table after those it refers to).
select create_distributed_table('vaccines', 'municipality_code');
select create_distributed_table('accounts', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('venues', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('sessions', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('periods', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('period_dose_caps', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('slots', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('valid_tickets', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('residents', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('resident_key_proofs', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('devices', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('intent_results', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('leases', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('bookings', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('audit_log', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('changes', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('slot_reports', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('municipality_information', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('waiting_lines', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('waitlist_entries', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('waitlist_offers', 'municipality_code', colocate_with => 'vaccines');
select create_distributed_table('ticket_rests', 'municipality_code', colocate_with => 'vaccines');

-- Every public-seat query asks slot_reception_open(municipality_code, period_number), which reads
-- periods: delegated to the node of its first argument, beside that municipality's periods.
select create_distributed_function('slot_reception_open(text, integer)', '$1',
                                   colocate_with => 'periods');

commit;
