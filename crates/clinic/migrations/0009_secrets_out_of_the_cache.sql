-- The account's secrets (the password hash of the offline login, the sealed session token) leave
-- the cache, which the window reads through tauri-plugin-sql: the engine keeps them in a file of
-- their own (secrets.rs), where Store::open carried them before this ran.
ALTER TABLE account DROP COLUMN password_hash;
ALTER TABLE account DROP COLUMN session_token;
