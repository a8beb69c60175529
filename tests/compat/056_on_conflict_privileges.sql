-- INSERT … ON CONFLICT privileges: the arbiter's columns and the EXCLUDED
-- columns read need SELECT; the target must match a unique constraint.
CREATE ROLE occ_r;
CREATE TABLE occ (one int, two int unique, three int, four int unique);
GRANT INSERT ON occ TO occ_r;
GRANT UPDATE (three) ON occ TO occ_r;
GRANT SELECT (one) ON occ TO occ_r;
SET ROLE occ_r;
INSERT INTO occ(two) VALUES (1) ON CONFLICT (two) DO NOTHING;
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO occ(two) VALUES (1) ON CONFLICT DO NOTHING;
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO occ(two) VALUES (1) ON CONFLICT ON CONSTRAINT occ_two_key DO NOTHING;
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO occ(two) VALUES (1) ON CONFLICT (two) DO UPDATE SET three = 3;
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO occ(two) VALUES (1) ON CONFLICT ON CONSTRAINT occ_two_key DO UPDATE SET three = 3;
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO occ(two) VALUES (1) ON CONFLICT ON CONSTRAINT nosuch DO UPDATE SET three = 3;
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT SELECT (two) ON occ TO occ_r;
SET ROLE occ_r;
INSERT INTO occ(two) VALUES (1) ON CONFLICT (two) DO UPDATE SET three = 3;
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO occ(two) VALUES (1) ON CONFLICT (two) DO UPDATE SET three = EXCLUDED.three;
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO occ(two) VALUES (1) ON CONFLICT (two) DO UPDATE SET three = EXCLUDED.one;
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO occ(two) VALUES (1) ON CONFLICT (two) DO UPDATE SET three = occ.four;
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO occ(two) VALUES (1) ON CONFLICT (two) DO UPDATE SET three = 3 WHERE EXCLUDED.four = 1;
\echo sqlstate :LAST_ERROR_SQLSTATE
INSERT INTO occ(two) VALUES (1) ON CONFLICT (one) DO NOTHING;
\echo sqlstate :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM occ;
DROP TABLE occ; DROP ROLE occ_r;
