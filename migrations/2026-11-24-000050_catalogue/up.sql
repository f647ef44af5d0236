-- The theme taxonomy, needs, offers and the audit log.

CREATE TABLE themes (
    code        TEXT PRIMARY KEY NOT NULL,
    parent      TEXT REFERENCES themes (code),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The taxonomy version that introduced the code; the taxonomy's version is the highest.
    version     INTEGER NOT NULL,
    position    INTEGER NOT NULL
);

INSERT INTO themes (code, parent, name, description, version, position) VALUES
('governance', NULL, 'Governance and national strategy', 'Strategy, policy and oversight of cybersecurity across the health sector.', 1, 10),
('governance.national_strategy', 'governance', 'National health-sector cyber strategy', 'Drafting and implementing a national cybersecurity strategy or plan for health.', 1, 11),
('governance.regulation', 'governance', 'Health-sector regulation and compliance', 'Security and data-protection rules for health providers, and how to meet them.', 1, 12),
('governance.risk_management', 'governance', 'Cyber risk management', 'Governance of cyber risk at board and ministry level: registers, appetite, reporting.', 1, 13),
('incident_response', NULL, 'Incident response and CSIRTs', 'Detecting, handling and recovering from cyber incidents in health.', 1, 20),
('incident_response.csirt_setup', 'incident_response', 'CSIRT/CERT set-up for health', 'Establishing or maturing a sectoral or national CSIRT that serves health.', 1, 21),
('incident_response.playbooks', 'incident_response', 'Incident-response plans and playbooks', 'Written plans, roles and playbooks for hospital incident response.', 1, 22),
('incident_response.forensics', 'incident_response', 'Digital forensics', 'Evidence handling and forensic analysis after an incident.', 1, 23),
('ransomware', NULL, 'Ransomware readiness and recovery', 'Preparing for, resisting and recovering from ransomware.', 1, 30),
('ransomware.readiness', 'ransomware', 'Ransomware readiness', 'Hardening, detection and response preparation specific to ransomware.', 1, 31),
('ransomware.backup_recovery', 'ransomware', 'Backup and recovery', 'Offline and immutable backups, restore testing and recovery time objectives.', 1, 32),
('ransomware.business_continuity', 'ransomware', 'Clinical business continuity', 'Keeping care going on paper and downtime procedures while systems are down.', 1, 33),
('clinical_systems', NULL, 'Clinical-system security', 'Security of the systems that deliver and record care.', 1, 40),
('clinical_systems.ehr', 'clinical_systems', 'Electronic health record security', 'Securing EHR and hospital information systems and their data.', 1, 41),
('clinical_systems.pacs', 'clinical_systems', 'Imaging and PACS security', 'Securing PACS, DICOM traffic and imaging modalities.', 1, 42),
('clinical_systems.medical_devices', 'clinical_systems', 'Medical-device and IoT security', 'Inventory, segmentation and patching of connected medical devices.', 1, 43),
('infrastructure', NULL, 'Secure infrastructure', 'The networks, identities and platforms hospitals run on.', 1, 50),
('infrastructure.network_segmentation', 'infrastructure', 'Network segmentation', 'Separating clinical, administrative and device networks.', 1, 51),
('infrastructure.identity_access', 'infrastructure', 'Identity and access management', 'Accounts, multi-factor authentication and privileged access.', 1, 52),
('infrastructure.vulnerability_management', 'infrastructure', 'Patch and vulnerability management', 'Finding and fixing vulnerabilities on a schedule.', 1, 53),
('infrastructure.cloud', 'infrastructure', 'Cloud and hosting security', 'Secure use of cloud and hosted services for health data.', 1, 54),
('workforce', NULL, 'Awareness and workforce training', 'Skills of the people who run and use health systems.', 1, 60),
('workforce.awareness', 'workforce', 'Staff awareness and phishing', 'Awareness programmes for clinical and administrative staff.', 1, 61),
('workforce.it_staff_training', 'workforce', 'Technical training for IT staff', 'Hands-on security training for hospital and ministry IT teams.', 1, 62),
('workforce.leadership', 'workforce', 'Executive and board training', 'Cyber literacy for hospital leadership and health officials.', 1, 63),
('information_sharing', NULL, 'Threat-information sharing', 'Sharing indicators, alerts and lessons across the health sector.', 1, 70),
('information_sharing.isac', 'information_sharing', 'Health ISAC participation', 'Joining or founding an information sharing and analysis centre for health.', 1, 71),
('information_sharing.threat_intelligence', 'information_sharing', 'Threat intelligence', 'Consuming and producing threat intelligence relevant to health.', 1, 72),
('exercises', NULL, 'Assessments and exercises', 'Measuring maturity and rehearsing the response.', 1, 80),
('exercises.risk_assessment', 'exercises', 'Risk and maturity assessment', 'Structured assessments of cyber risk and maturity.', 1, 81),
('exercises.tabletop', 'exercises', 'Tabletop exercises', 'Discussion-based exercises for leadership and response teams.', 1, 82),
('exercises.technical', 'exercises', 'Technical exercises and testing', 'Penetration tests, red-team and live-fire exercises.', 1, 83),
('supply_chain', NULL, 'Supply-chain security', 'Security of vendors, software and services that hospitals depend on.', 1, 90),
('funding', NULL, 'Cyber insurance and funding', 'Paying for security: insurance, grants and financing.', 1, 100),
('funding.insurance', 'funding', 'Cyber insurance', 'Understanding and obtaining cyber insurance cover.', 1, 101),
('funding.grants', 'funding', 'Grants and financing', 'Grants, loans and donor financing for health cybersecurity.', 1, 102);

CREATE TABLE needs (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    created_by      TEXT NOT NULL REFERENCES users (id),
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    country         TEXT NOT NULL,
    -- Lists are stored delimited (',en,fr,') so that one membership test needs no join.
    languages       TEXT NOT NULL,
    delivery_modes  TEXT NOT NULL,
    urgency         TEXT NOT NULL CHECK (urgency IN ('low', 'medium', 'high', 'critical')),
    -- 0 low .. 3 critical: what the urgency sort and its cursor use.
    urgency_rank    INTEGER NOT NULL,
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    wanted_from     DATE,
    wanted_by       DATE NOT NULL,
    budget_amount   BIGINT CHECK (budget_amount >= 0),
    budget_currency TEXT,
    visibility      TEXT NOT NULL CHECK (visibility IN ('public', 'verified_providers', 'coordinators')),
    anonymous       BOOLEAN NOT NULL,
    status          TEXT NOT NULL,
    version         INTEGER NOT NULL,
    reconfirmed_at  TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX needs_status_created_idx ON needs (status, created_at, id);
CREATE INDEX needs_status_urgency_idx ON needs (status, urgency_rank, created_at, id);
CREATE INDEX needs_status_wanted_by_idx ON needs (status, wanted_by, id);
CREATE INDEX needs_country_idx ON needs (country, status);
CREATE INDEX needs_organisation_idx ON needs (organisation_id);

CREATE TABLE need_themes (
    need_id    TEXT NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    theme_code TEXT NOT NULL REFERENCES themes (code),
    PRIMARY KEY (need_id, theme_code)
);
CREATE INDEX need_themes_theme_idx ON need_themes (theme_code, need_id);

CREATE TABLE offers (
    id               TEXT PRIMARY KEY NOT NULL,
    organisation_id  TEXT NOT NULL REFERENCES organisations (id),
    created_by       TEXT NOT NULL REFERENCES users (id),
    kind             TEXT NOT NULL CHECK (kind IN ('training', 'expert_support', 'assessment', 'exercise', 'tooling', 'funding')),
    title            TEXT NOT NULL,
    description      TEXT NOT NULL,
    countries        TEXT NOT NULL,
    regions          TEXT NOT NULL,
    global           BOOLEAN NOT NULL,
    languages        TEXT NOT NULL,
    delivery_modes   TEXT NOT NULL,
    capacity         INTEGER NOT NULL CHECK (capacity > 0),
    capacity_left    INTEGER NOT NULL CHECK (capacity_left >= 0),
    available_from   DATE,
    available_until  DATE,
    funding_amount   BIGINT CHECK (funding_amount >= 0),
    funding_currency TEXT,
    visibility       TEXT NOT NULL CHECK (visibility IN ('public', 'verified_organisations', 'coordinators')),
    status           TEXT NOT NULL,
    version          INTEGER NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX offers_status_created_idx ON offers (status, created_at, id);
CREATE INDEX offers_status_until_idx ON offers (status, available_until, id);
CREATE INDEX offers_organisation_idx ON offers (organisation_id);

CREATE TABLE offer_themes (
    offer_id   TEXT NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
    theme_code TEXT NOT NULL REFERENCES themes (code),
    PRIMARY KEY (offer_id, theme_code)
);
CREATE INDEX offer_themes_theme_idx ON offer_themes (theme_code, offer_id);

-- Append-only: triggers below refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id                    TEXT PRIMARY KEY NOT NULL,
    entity                TEXT NOT NULL,
    entity_id             TEXT NOT NULL,
    action                TEXT NOT NULL,
    actor_user_id         TEXT,
    actor_organisation_id TEXT,
    at                    TIMESTAMP NOT NULL,
    -- JSON objects of the changed fields only, before and after.
    before                TEXT,
    after                 TEXT
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at, id);
CREATE INDEX audit_log_at_idx ON audit_log (at, id);
