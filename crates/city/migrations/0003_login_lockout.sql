-- Five failed logins in a row lock an account for a while (see http/auth.rs). Counted in the
-- account's row, so concurrent attempts serialize on its row lock and no failure is lost.
alter table accounts
    -- Failures since the last successful login or the end of the last lock.
    add column failed_logins int not null default 0 check (failed_logins >= 0),
    -- While in the future, even the right password is refused.
    add column locked_until timestamptz;
