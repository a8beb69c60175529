--
-- 003_settings: SET/SHOW/RESET, set_config and current_setting.
--
SET compat.color = 'blue';
SHOW compat.color;
SELECT current_setting('compat.color');
SET compat.color TO 'green';
SHOW compat.color;
RESET compat.color;
SHOW compat.color;
-- set_config(..., is_local => true) lasts until the end of the transaction
SET compat.shape = 'circle';
BEGIN;
SELECT set_config('compat.shape', 'square', true);
SELECT current_setting('compat.shape');
COMMIT;
SELECT current_setting('compat.shape');
-- is_local => false persists
BEGIN;
SELECT set_config('compat.size', 'large', false);
COMMIT;
SELECT current_setting('compat.size');
-- SET LOCAL and rollback
BEGIN;
SET LOCAL compat.shape = 'triangle';
SHOW compat.shape;
ROLLBACK;
SHOW compat.shape;
-- missing settings
SELECT current_setting('compat.missing', true) IS NULL AS missing_is_null;
SELECT current_setting('compat.missing');
SHOW compat.missing;
