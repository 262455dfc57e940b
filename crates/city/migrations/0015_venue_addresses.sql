-- The residents' page lists venues by ward (区) with their address, so a resident can choose one
-- near home. Optional: a venue set up before keeps working, and shows its name only.
alter table venues
    add column ward text check (ward <> ''),
    add column address text check (address <> '');
