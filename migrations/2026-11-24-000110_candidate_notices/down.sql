DROP TABLE candidate_notices;
