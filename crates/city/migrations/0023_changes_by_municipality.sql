-- A pull asks for the newest change number of its municipality (sync/retention.rs): one index
-- read, and on Citus a query of the one node holding that municipality.
create index changes_by_municipality_and_seq on changes (municipality_code, seq)
    where seq is not null;
