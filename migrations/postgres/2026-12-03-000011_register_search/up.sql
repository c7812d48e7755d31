-- The register's full-text search (`GET /register?q=`), over what the register already publishes:
-- reference, title, organisation, postcode district, zone and planning authority (never the street
-- address or full postcode). Only register entries (decided cases in a register state) are
-- indexed, one row each in `register_search` with its decision time, so that search results come
-- in decision order: read backwards from `register_search_decided_idx` when a word is common
-- (stopping after a page of matches), or from the GIN index and sorted when it is rare. Triggers
-- keep the table current on every write path, the bulk seeder's multi-row inserts included, and
-- when an organisation or a zone is renamed.

-- Renaming an organisation finds its cases by this index instead of reading every case.
CREATE INDEX applications_organisation_idx ON applications (organisation_id);

-- Words are runs of letters and digits, compared without case; no stemming, no stop words, no
-- prefixes, so that both backends find the same entries. The same function splits the indexed
-- text and the searched text.
CREATE FUNCTION register_search_words(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT COALESCE(array_agg(DISTINCT w), '{}')
  FROM regexp_split_to_table(lower(t), '[^[:alnum:]]+') AS w
  WHERE w <> '' AND octet_length(w) <= 200
$$;

-- Every word of `t` (an AND of quoted lexemes, never parsed as query syntax).
CREATE FUNCTION register_search_query(t text) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CAST(COALESCE(string_agg(quote_literal(w), ' & '), '') AS tsquery)
  FROM unnest(register_search_words(t)) AS w
$$;

-- What is indexed for each entry.
CREATE VIEW register_search_source AS
SELECT a.id, a.organisation_id, a.zone_id, a.decided_at,
       concat_ws(' ', a.reference, a.title, a.postcode_district, o.name, z.name, z.lpa_name) AS document
FROM applications a
LEFT JOIN organisations o ON o.id = a.organisation_id
LEFT JOIN zones z ON z.id = a.zone_id
WHERE a.status IN ('approved', 'active', 'suspended', 'revoked', 'completed', 'refused')
  AND a.decided_at IS NOT NULL;

CREATE TABLE register_search (
    application_id BIGINT PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    decided_at TIMESTAMP NOT NULL,
    document TSVECTOR NOT NULL
);
CREATE INDEX register_search_document_idx ON register_search USING gin (document);
CREATE INDEX register_search_decided_idx ON register_search (decided_at, application_id);

-- Re-indexes the given cases: each on the register gets its row, the others lose theirs.
CREATE FUNCTION register_search_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
  DELETE FROM register_search WHERE application_id = ANY (ids);
  INSERT INTO register_search (application_id, decided_at, document)
  SELECT id, decided_at, array_to_tsvector(register_search_words(document))
  FROM register_search_source WHERE id = ANY (ids);
$$;

INSERT INTO register_search (application_id, decided_at, document)
SELECT id, decided_at, array_to_tsvector(register_search_words(document)) FROM register_search_source;

-- Once per statement, so that a multi-row insert (the seeder's) indexes its rows in one go.
CREATE FUNCTION register_search_applications_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM register_search_refresh(ARRAY(
    SELECT id FROM inserted
    WHERE status IN ('approved', 'active', 'suspended', 'revoked', 'completed', 'refused') AND decided_at IS NOT NULL));
  RETURN NULL;
END
$$;
CREATE TRIGGER register_search_inserted AFTER INSERT ON applications
REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION register_search_applications_inserted();

CREATE FUNCTION register_search_application_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM register_search_refresh(ARRAY[NEW.id]);
  RETURN NULL;
END
$$;
-- Saving a case sets every column; only a change to what is indexed (or to whether it is on the
-- register) touches the index.
CREATE TRIGGER register_search_updated
AFTER UPDATE OF status, decided_at, reference, title, postcode_district, organisation_id, zone_id ON applications
FOR EACH ROW
WHEN ((OLD.status IN ('approved', 'active', 'suspended', 'revoked', 'completed', 'refused')
       OR NEW.status IN ('approved', 'active', 'suspended', 'revoked', 'completed', 'refused'))
      AND (OLD.status, OLD.decided_at, OLD.reference, OLD.title, OLD.postcode_district, OLD.organisation_id, OLD.zone_id)
          IS DISTINCT FROM
          (NEW.status, NEW.decided_at, NEW.reference, NEW.title, NEW.postcode_district, NEW.organisation_id, NEW.zone_id))
EXECUTE FUNCTION register_search_application_updated();

CREATE FUNCTION register_search_organisation_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM register_search_refresh(ARRAY(SELECT id FROM applications WHERE organisation_id = NEW.id));
  RETURN NULL;
END
$$;
CREATE TRIGGER register_search_organisation_renamed AFTER UPDATE OF name ON organisations
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
EXECUTE FUNCTION register_search_organisation_renamed();

CREATE FUNCTION register_search_zone_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM register_search_refresh(ARRAY(SELECT id FROM applications WHERE zone_id = NEW.id));
  RETURN NULL;
END
$$;
CREATE TRIGGER register_search_zone_renamed AFTER UPDATE OF name, lpa_name ON zones
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.lpa_name IS DISTINCT FROM NEW.lpa_name)
EXECUTE FUNCTION register_search_zone_renamed();
