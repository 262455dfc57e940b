-- 市外住民 (manual 2-3): a resident of another municipality carries the reason they are vaccinated
-- here (yoyaku_core::out_of_municipality::Reason) and whether the 住所地外接種届 is received; the
-- day's list and its CSV show 住所地外. This city's residents have neither.
ALTER TABLE residents ADD COLUMN outside_reason TEXT;
ALTER TABLE residents ADD COLUMN notification TEXT
    CHECK (notification IN ('not_required', 'pending', 'received'));

DROP VIEW day_list;
CREATE VIEW day_list AS
SELECT b.id                 AS booking_id,
       s.venue_id           AS venue_id,
       v.name               AS venue_name,
       s.vaccine_code       AS vaccine_code,
       s.vaccine_name       AS vaccine_name,
       s.local_date         AS date,
       s.start_time         AS start_time,
       s.end_time           AS end_time,
       s.id                 AS slot_id,
       s.name               AS slot_name,
       s.visibility         AS visibility,
       b.municipality_code  AS municipality_code,
       b.ticket_number      AS ticket_number,
       r.birth_date         AS birth_date,
       r.family_name_kana   AS family_name_kana,
       r.given_name_kana    AS given_name_kana,
       r.phone              AS phone,
       b.dose               AS dose,
       b.status             AS status,
       b.channel            AS channel,
       b.lot_number         AS lot_number,
       b.vaccinated_at      AS vaccinated_at,
       st.sync_state        AS sync_state,
       r.outside_reason     AS outside_reason,
       r.notification       AS notification
FROM bookings b
JOIN slots s ON s.id = b.slot_id
JOIN venues v ON v.id = s.venue_id
JOIN residents r ON r.municipality_code = b.municipality_code
                AND r.ticket_number = b.ticket_number
JOIN booking_state st ON st.booking_id = b.id;
