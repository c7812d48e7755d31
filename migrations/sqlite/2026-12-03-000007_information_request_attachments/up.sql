-- Files sent with an answer to an information request, stored with the answer.
CREATE TABLE information_request_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    information_request_id BIGINT NOT NULL REFERENCES information_requests(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX information_request_attachments_request_idx ON information_request_attachments (information_request_id, id);
