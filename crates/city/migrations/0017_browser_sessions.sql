-- The city's browser consoles sign in with the same accounts; their session token rides in an
-- HttpOnly cookie, and every write must also carry the session's CSRF token in a header, which a
-- page of another site can neither read nor send. Bearer sessions (the desktop app) have none.
alter table sessions add column csrf_token text check (length(csrf_token) >= 32);
