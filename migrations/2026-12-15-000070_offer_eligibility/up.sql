-- Structured eligibility (issue 15). Offers say who may use them; needs say what those rules
-- read. Lists are delimited text like `languages`; empty, NULL or FALSE means "nothing
-- stated", which no rule reads as a restriction.
ALTER TABLE offers ADD COLUMN requester_kinds TEXT NOT NULL DEFAULT '';
ALTER TABLE offers ADD COLUMN sector TEXT;
ALTER TABLE offers ADD COLUMN only_after_incident BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE offers ADD COLUMN eligible_costs TEXT NOT NULL DEFAULT '';
ALTER TABLE offers ADD COLUMN audiences TEXT NOT NULL DEFAULT '';

ALTER TABLE needs ADD COLUMN sector TEXT;
ALTER TABLE needs ADD COLUMN after_incident BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE needs ADD COLUMN costs TEXT NOT NULL DEFAULT '';
ALTER TABLE needs ADD COLUMN audiences TEXT NOT NULL DEFAULT '';
-- The kind of the organisation that posted the need, which an offer's requester kinds are
-- checked against. Kept on the need so that the matcher reads needs without a join; an
-- organisation's kind never changes after registration.
ALTER TABLE needs ADD COLUMN requester_kind TEXT NOT NULL DEFAULT 'hospital';
UPDATE needs SET requester_kind = (
    SELECT organisations.kind FROM organisations WHERE organisations.id = needs.organisation_id
) WHERE EXISTS (SELECT 1 FROM organisations WHERE organisations.id = needs.organisation_id);
