-- What one client address did lately that is limited per address: registering an account, asking
-- for a password reset. Rows older than the window are pruned with the login failures.
CREATE TABLE client_actions (
    id BIGSERIAL PRIMARY KEY,
    action TEXT NOT NULL,
    address TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX client_actions_address_idx ON client_actions (action, address, created_at);
