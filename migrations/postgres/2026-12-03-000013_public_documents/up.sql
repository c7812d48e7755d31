-- Whether the assigned inspector has published a file of an information request with the
-- decision notice on the public register (a file is private until then).
ALTER TABLE information_request_attachments ADD COLUMN public BOOLEAN NOT NULL DEFAULT FALSE;
