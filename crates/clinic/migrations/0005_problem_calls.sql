-- 同期の問題 for the receptionist who phones the resident back: who it is (カナ, 電話番号, as the
-- cache has them, typed-in details included) and whether the call was made.

-- When the receptionist marked the problem as called; NULL until then.
ALTER TABLE outbox ADD COLUMN called_at TEXT;

DROP VIEW sync_problems;

-- The resident is the action's own (a registration, a booking) or its booking's.
CREATE VIEW sync_problems AS
SELECT o.id AS intent_id, o.seq AS seq, o.kind AS kind, o.action AS action,
       o.rejection AS rejection, o.created_at AS created_at, o.settled_at AS settled_at,
       o.called_at AS called_at,
       r.municipality_code AS municipality_code, r.ticket_number AS ticket_number,
       r.family_name_kana AS family_name_kana, r.given_name_kana AS given_name_kana,
       r.phone AS phone
FROM outbox o
LEFT JOIN bookings b ON b.id = o.action ->> '$.booking_id'
LEFT JOIN residents r
       ON r.municipality_code = coalesce(o.action ->> '$.resident.municipality_code',
                                         b.municipality_code)
      AND r.ticket_number = coalesce(o.action ->> '$.resident.ticket_number', b.ticket_number)
WHERE o.state = 'rejected';
