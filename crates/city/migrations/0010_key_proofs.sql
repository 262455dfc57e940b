-- A clinic that proved a resident's key (自治体番号 + 接種券番号 + 生年月日, read out by the caller)
-- has the resident's consent to see and change their 予約者情報 and to book for them, wherever
-- they registered. Searching by phone or kana stays limited to the clinic's own residents.
create table resident_key_proofs (
    municipality_code text not null,
    ticket_number text not null,
    account_id uuid not null,
    first_proven_at timestamptz not null default now(),
    last_proven_at timestamptz not null default now(),
    primary key (municipality_code, ticket_number, account_id),
    foreign key (municipality_code, account_id) references accounts (municipality_code, id)
);
