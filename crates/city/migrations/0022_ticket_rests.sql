-- Failed checks of a ticket (a look-up, or a web write whose key the registry refused), counted
-- for every server instance on the database at once: five, then one every ten minutes, however
-- many instances and addresses try. A token bucket kept as one instant, when it is full again
-- (the generic cell rate algorithm; see http/auth/ticket_rests.rs). No reference to
-- municipalities: a 市外住民's ticket is of a municipality this system may not serve.
create table ticket_rests (
    municipality_code text not null,
    ticket_number text not null,
    refilled_at timestamptz not null,
    primary key (municipality_code, ticket_number)
);

-- Housekeeping deletes the full buckets, which mean the same as none.
create index ticket_rests_refilled_at on ticket_rests (refilled_at);
