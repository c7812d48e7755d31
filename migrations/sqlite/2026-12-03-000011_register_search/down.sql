DROP TRIGGER register_search_zone_renamed;
DROP TRIGGER register_search_organisation_renamed;
DROP TRIGGER register_search_deleted;
DROP TRIGGER register_search_updated;
DROP TRIGGER register_search_inserted;
DROP TABLE register_search;
DROP VIEW register_search_source;
DROP INDEX applications_organisation_idx;
