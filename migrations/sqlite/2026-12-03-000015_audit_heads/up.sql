-- The head of each audit chain: its last event's number and hash, written in the transaction that
-- appends the event. Deleting the newest events of a chain (which leaves a valid, shorter chain)
-- no longer goes unseen: `verify-audit` finds the chain shorter than its head.
CREATE TABLE audit_heads (
    stream TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_heads (stream, seq, hash)
SELECT e.stream, e.seq, e.hash FROM audit_events e
WHERE e.seq = (SELECT MAX(m.seq) FROM audit_events m WHERE m.stream = e.stream);
