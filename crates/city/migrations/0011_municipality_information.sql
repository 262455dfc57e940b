-- What a municipality tells its clinics (yoyaku_core::information): the 利用規約 agreed to at
-- ログイン, served to anyone, and the 問い合わせ先, served to its staff.
create table municipality_information (
    municipality_code text primary key references municipalities (code),
    -- yoyaku_core::information::TermsOfUse
    terms jsonb not null,
    -- yoyaku_core::information::Contacts
    contacts jsonb not null,
    updated_at timestamptz not null default now()
);
