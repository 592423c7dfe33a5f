-- Runs once, when the compose PostgreSQL volume is first created: ccflow's
-- own database and role beside Temporal's.
CREATE ROLE ccflow LOGIN PASSWORD 'ccflow';
CREATE DATABASE ccflow OWNER ccflow;
