-- A booking a clinic made offline on a leased seat remembers the lease: when it is cancelled (or
-- the resident does not come, or it moves to another time) while the lease still runs, the seat
-- goes back to the lease, and the clinic may book it offline again with certainty.
alter table bookings add column lease_id uuid;
alter table bookings add foreign key (municipality_code, lease_id) references leases (municipality_code, id);
