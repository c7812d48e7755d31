-- The register's full-text search (`GET /register?q=`), over what the register already publishes:
-- reference, title, organisation, postcode district, zone and planning authority (never the street
-- address or full postcode). Only register entries (decided cases in a register state) are
-- indexed. Triggers keep the index current on every write path, the bulk seeder's multi-row
-- inserts included, and when an organisation or a zone is renamed.
--
-- An entry's FTS5 rowid is its place in decision order: whole seconds from 2000-01-01 to the
-- decision, times 2^31, plus the application id (ids stay below 2^31, seconds below 2^32, so the
-- key fits in 63 bits until 2136). `ORDER BY rowid DESC LIMIT n` then reads the newest decisions
-- among a term's matches straight from the index, and stops after n, however many cases match.

-- Renaming an organisation finds its cases by this index instead of reading every case.
CREATE INDEX applications_organisation_idx ON applications (organisation_id);

-- What is indexed for each entry, and its key.
CREATE VIEW register_search_source AS
SELECT a.id AS id,
       a.organisation_id AS organisation_id,
       a.zone_id AS zone_id,
       (CAST(strftime('%s', a.decided_at) AS INTEGER) - 946684800) * 2147483648 + a.id AS sort_key,
       IFNULL(a.reference, '') || ' ' || a.title || ' ' || IFNULL(a.postcode_district, '') || ' ' ||
       IFNULL(o.name, '') || ' ' || IFNULL(z.name, '') || ' ' || IFNULL(z.lpa_name, '') AS document
FROM applications a
LEFT JOIN organisations o ON o.id = a.organisation_id
LEFT JOIN zones z ON z.id = a.zone_id
WHERE a.status IN ('approved', 'active', 'suspended', 'revoked', 'completed', 'refused')
  AND a.decided_at IS NOT NULL;

-- Words are runs of letters and digits, compared without case; no stemming, no prefixes, so that
-- both backends find the same entries.
CREATE VIRTUAL TABLE register_search USING fts5(document, tokenize = 'unicode61 remove_diacritics 0');

INSERT INTO register_search (rowid, document) SELECT sort_key, document FROM register_search_source;

CREATE TRIGGER register_search_inserted AFTER INSERT ON applications
WHEN NEW.status IN ('approved', 'active', 'suspended', 'revoked', 'completed', 'refused')
  AND NEW.decided_at IS NOT NULL
BEGIN
  INSERT INTO register_search (rowid, document)
  SELECT sort_key, document FROM register_search_source WHERE id = NEW.id;
END;

-- Saving a case sets every column; only a change to what is indexed (or to whether it is on the
-- register) touches the index.
CREATE TRIGGER register_search_updated
AFTER UPDATE OF status, decided_at, reference, title, postcode_district, organisation_id, zone_id ON applications
WHEN (OLD.status IN ('approved', 'active', 'suspended', 'revoked', 'completed', 'refused')
      OR NEW.status IN ('approved', 'active', 'suspended', 'revoked', 'completed', 'refused'))
  AND (NEW.status IS NOT OLD.status OR NEW.decided_at IS NOT OLD.decided_at OR NEW.reference IS NOT OLD.reference
       OR NEW.title IS NOT OLD.title OR NEW.postcode_district IS NOT OLD.postcode_district
       OR NEW.organisation_id IS NOT OLD.organisation_id OR NEW.zone_id IS NOT OLD.zone_id)
BEGIN
  DELETE FROM register_search
  WHERE rowid = (CAST(strftime('%s', OLD.decided_at) AS INTEGER) - 946684800) * 2147483648 + OLD.id;
  INSERT INTO register_search (rowid, document)
  SELECT sort_key, document FROM register_search_source WHERE id = NEW.id;
END;

CREATE TRIGGER register_search_deleted AFTER DELETE ON applications
WHEN OLD.decided_at IS NOT NULL
BEGIN
  DELETE FROM register_search
  WHERE rowid = (CAST(strftime('%s', OLD.decided_at) AS INTEGER) - 946684800) * 2147483648 + OLD.id;
END;

CREATE TRIGGER register_search_organisation_renamed AFTER UPDATE OF name ON organisations
WHEN NEW.name IS NOT OLD.name
BEGIN
  DELETE FROM register_search
  WHERE rowid IN (SELECT sort_key FROM register_search_source WHERE organisation_id = NEW.id);
  INSERT INTO register_search (rowid, document)
  SELECT sort_key, document FROM register_search_source WHERE organisation_id = NEW.id;
END;

CREATE TRIGGER register_search_zone_renamed AFTER UPDATE OF name, lpa_name ON zones
WHEN NEW.name IS NOT OLD.name OR NEW.lpa_name IS NOT OLD.lpa_name
BEGIN
  DELETE FROM register_search
  WHERE rowid IN (SELECT sort_key FROM register_search_source WHERE zone_id = NEW.id);
  INSERT INTO register_search (rowid, document)
  SELECT sort_key, document FROM register_search_source WHERE zone_id = NEW.id;
END;
