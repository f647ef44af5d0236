-- Matches between needs and offers, and how much of each need is covered.

ALTER TABLE needs ADD COLUMN quantity_covered INTEGER NOT NULL DEFAULT 0;

CREATE TABLE matches (
    id                 TEXT PRIMARY KEY NOT NULL,
    need_id            TEXT NOT NULL REFERENCES needs (id),
    offer_id           TEXT NOT NULL REFERENCES offers (id),
    score              DOUBLE PRECISION NOT NULL,
    -- The explanation at proposal time, one JSON object per factor.
    explanation        TEXT NOT NULL,
    proposed_by        TEXT NOT NULL CHECK (proposed_by IN ('requester', 'provider', 'coordinator', 'engine')),
    proposed_by_user   TEXT,
    status             TEXT NOT NULL,
    requester_accepted BOOLEAN NOT NULL,
    provider_accepted  BOOLEAN NOT NULL,
    -- Capacity of the offer held for this match once it is active.
    reserved_quantity  INTEGER NOT NULL DEFAULT 0,
    note               TEXT,
    decided_by         TEXT,
    reason             TEXT,
    delivered_quantity INTEGER,
    outcome            TEXT,
    rating             INTEGER CHECK (rating BETWEEN 1 AND 5),
    version            INTEGER NOT NULL,
    -- When both sides had accepted an approved match, and when it was completed: the
    -- gap report's time to match and time to deliver.
    activated_at       TIMESTAMP,
    completed_at       TIMESTAMP,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
-- One live match per (need, offer): the database decides between racing proposals.
CREATE UNIQUE INDEX matches_live_pair_idx ON matches (need_id, offer_id)
    WHERE status IN ('proposed', 'approved', 'active');
CREATE INDEX matches_need_idx ON matches (need_id, created_at);
CREATE INDEX matches_offer_idx ON matches (offer_id, created_at);
CREATE INDEX matches_status_idx ON matches (status, created_at, id);
