-- CHECKPOINT: superusers and members of pg_checkpoint; others get
-- PostgreSQL 15's error. It runs inside a transaction block too.
CHECKPOINT;
CREATE ROLE ckpt_plain;
CREATE ROLE ckpt_member;
GRANT pg_checkpoint TO ckpt_member;
SET ROLE ckpt_plain;
CHECKPOINT;
RESET ROLE;
SET ROLE ckpt_member;
CHECKPOINT;
RESET ROLE;
BEGIN;
CHECKPOINT;
COMMIT;
DROP ROLE ckpt_plain;
DROP ROLE ckpt_member;
