-- The change log is kept for a while, not forever: numbered changes older than the retention are
-- deleted by the server's housekeeping, and a clinic whose cursor is older than what is kept
-- rebuilds its cache from a snapshot (keeping its unsent work). `pruned_through` is the highest
-- change number deleted: a cursor below it can no longer be served.
create table change_horizon (
    singleton boolean primary key default true check (singleton),
    pruned_through bigint not null default 0 check (pruned_through >= 0)
);

insert into change_horizon default values;

-- Every pull and snapshot asks for the newest number, and pruning cuts below a number.
create index changes_by_seq on changes (seq) where seq is not null;
