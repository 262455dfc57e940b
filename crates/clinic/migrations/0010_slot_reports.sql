-- 予約枠報告 (yoyaku_core::slot_report): the city's view of this clinic's periods as last fetched
-- (for the screen offline), and reports written on this computer that the city has not taken yet.
CREATE TABLE slot_report_periods (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    -- A JSON array of ClinicPeriod.
    body        TEXT NOT NULL,
    fetched_at  TEXT NOT NULL
) STRICT;

CREATE TABLE slot_report_outbox (
    -- The report's own id: sent again after a lost answer, the city knows it.
    id             TEXT PRIMARY KEY,
    period_number  INTEGER NOT NULL CHECK (period_number > 0),
    -- ClinicReport as JSON.
    body           TEXT NOT NULL,
    written_at     TEXT NOT NULL,
    -- The city's refusal (a Problem as JSON), once it answered with one: shown until discarded.
    refusal        TEXT
) STRICT;
