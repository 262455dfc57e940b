-- The city's administrators lock an account (a clinic that stopped taking part, staff who left)
-- until they unlock it, and see when each account last logged in.
alter table accounts
    -- Set by an administrator: even the right password is refused until it is cleared. Unlike
    -- locked_until (the lockout after wrong passwords), it does not end by itself.
    add column locked_at timestamptz,
    add column last_login_at timestamptz;
