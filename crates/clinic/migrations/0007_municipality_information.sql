-- The municipality's 利用規約 and 問い合わせ先 (yoyaku_core::information) as the city last sent
-- them, for the login screen and the help screen when the network is down.
CREATE TABLE municipality_information (
    municipality_code  TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('terms', 'contacts')),
    -- The text as JSON: TermsOfUse or Contacts.
    body               TEXT NOT NULL,
    fetched_at         TEXT NOT NULL,
    PRIMARY KEY (municipality_code, kind)
) STRICT;
