-- 住民検索 by カナ reads residents in name order and stops at the page's limit. An index on name_key
-- alone orders equal names by rowid, so the search's tie-break (the key) would need a sort of
-- every match; this one gives the order as stored. It replaces residents_by_name, its prefix.
DROP INDEX residents_by_name;
CREATE INDEX residents_by_name ON residents (name_key, municipality_code, ticket_number);
