ALTER TABLE information_request_attachments DROP COLUMN public;
