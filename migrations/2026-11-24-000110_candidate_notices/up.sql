-- Pairs whose owners have been told of each other as candidates: each pair is announced once.
CREATE TABLE candidate_notices (
    need_id    TEXT NOT NULL REFERENCES needs (id),
    offer_id   TEXT NOT NULL REFERENCES offers (id),
    score      DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (need_id, offer_id)
);
