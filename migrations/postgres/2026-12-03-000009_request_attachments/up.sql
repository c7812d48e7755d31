-- Which side sent a file of an information request: the inspector with the question
-- ('request') or the applicant with the answer ('answer').
ALTER TABLE information_request_attachments ADD COLUMN sent_with TEXT NOT NULL DEFAULT 'answer';
