-- The aclitem type: input, output, makeaclitem, aclcontains, aclexplode.
CREATE ROLE r060;
CREATE ROLE "R060 mixed";
SELECT 'r060=arw/postgres'::aclitem;
SELECT ' r060 =r*w/ postgres '::aclitem;
SELECT '=r/postgres'::aclitem AS public_item;
SELECT '"R060 mixed"=U*C/r060'::aclitem;
SELECT 'group r060=r/postgres'::aclitem;
SELECT 'r060=rR/postgres'::aclitem;
SELECT 'r060=sA/postgres'::aclitem;
SELECT 'r060=q/postgres'::aclitem;
SELECT 'r060 r/postgres'::aclitem;
SELECT 'nosuch=r/postgres'::aclitem;
SELECT 'r060=r/nosuch'::aclitem;
SELECT 'r060=r/'::aclitem;
SELECT 'r060=r/postgres junk'::aclitem;
SELECT 'bogus r060=r/postgres'::aclitem;
SELECT pg_typeof('r060=r/postgres'::aclitem), pg_typeof(acldefault('r', 10));
SELECT '{r060=r/postgres,=X/postgres}'::aclitem[];
SELECT 'r060=r/postgres'::aclitem = 'r060=r/postgres'::aclitem AS same,
       'r060=r/postgres'::aclitem = 'r060=w/postgres'::aclitem AS differ;
SELECT makeaclitem('r060'::regrole, 'postgres'::regrole, 'SELECT', false),
       makeaclitem('r060'::regrole, 'postgres'::regrole, 'update', true),
       makeaclitem(0, 'postgres'::regrole, 'temp', false);
SELECT makeaclitem('r060'::regrole, 'postgres'::regrole, 'FLY', false);
SELECT aclcontains('{r060=arw/postgres}'::aclitem[], 'r060=r/postgres'),
       aclcontains('{r060=arw/postgres}'::aclitem[], 'r060=r*/postgres'),
       aclcontains('{r060=arw/postgres}'::aclitem[], '=r/postgres');
SELECT grantor::regrole, grantee, privilege_type, is_grantable FROM aclexplode('{r060=a*rw/postgres,=X/postgres}'::aclitem[]) WHERE grantee = 0
UNION ALL SELECT grantor::regrole, 1, privilege_type, is_grantable FROM aclexplode('{r060=a*rw/postgres,=X/postgres}'::aclitem[]) WHERE grantee = 'r060'::regrole;
SELECT grantor::regrole, grantee::regrole, priv, g FROM aclexplode(acldefault('d', 'r060'::regrole)) AS x(grantor, grantee, priv, g) WHERE grantee <> 0;
CREATE TABLE t060 (a int, b int);
GRANT SELECT, UPDATE (a) ON t060 TO r060;
GRANT INSERT ON t060 TO "R060 mixed" WITH GRANT OPTION;
GRANT SELECT ON t060 TO PUBLIC;
SELECT relacl, pg_typeof(relacl) FROM pg_class WHERE relname = 't060';
SELECT c.relname, pg_get_userbyid(a.grantor) AS grantor,
       CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS grantee,
       a.privilege_type, a.is_grantable
FROM pg_class c, aclexplode(c.relacl) a
WHERE c.relname = 't060'
ORDER BY 3, 4;
SELECT att.attname, a.privilege_type, a.grantee::regrole
FROM pg_attribute att CROSS JOIN LATERAL aclexplode(att.attacl) a
WHERE att.attrelid = 't060'::regclass AND att.attacl IS NOT NULL
ORDER BY 1, 2;
SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a WHERE c.relname = 'nosuch';
SELECT relacl @> ARRAY['r060=r/postgres'::aclitem], ARRAY['=r/postgres'::aclitem] <@ relacl, relacl && '{r060=w/postgres}' FROM pg_class WHERE relname = 't060';
SELECT ARRAY[1,2,3] @> ARRAY[2,3], ARRAY[1,2] <@ ARRAY[1], ARRAY[1,NULL] && ARRAY[NULL,5]::int[], ARRAY[1] @> NULL::int[], '{a,b}'::text[] && ARRAY['b'];
SELECT 1 @> 2;
DROP TABLE t060;
DROP ROLE r060;
DROP ROLE "R060 mixed";
-- Role names print bare when PostgreSQL's putid would: letters of either case, digits, _.
CREATE ROLE "Alice060";
CREATE ROLE "bob-x060";
CREATE TABLE tq060 (a int);
GRANT SELECT ON tq060 TO "Alice060", "bob-x060";
SELECT relacl FROM pg_class WHERE relname = 'tq060';
SELECT 'Alice060=r/postgres'::aclitem, '"Alice060"=r/postgres'::aclitem;
DROP TABLE tq060;
DROP ROLE "Alice060";
DROP ROLE "bob-x060";
