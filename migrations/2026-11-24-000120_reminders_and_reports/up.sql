-- Reminders and summaries sent once per occasion (a match waiting since a moment, a need
-- due to expire at a moment, a window of dead emails): the primary key decides between
-- instances, so each goes out once however many passes see it.
CREATE TABLE reminders_sent (
    kind       TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    occasion   TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, subject_id, occasion)
);

-- Each side's report on a completed match: the side that completes it reports with the
-- completion; the other side is asked by email and reports once.
CREATE TABLE match_reports (
    match_id    TEXT NOT NULL REFERENCES matches (id),
    party       TEXT NOT NULL CHECK (party IN ('requester', 'provider')),
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    outcome     TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (match_id, party)
);
