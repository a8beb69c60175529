-- Every system catalog and view Rampart has, described as on PostgreSQL 15:
-- all of its columns (names, types, order, NOT NULL by the bootstrap rule,
-- collations) and the catalogs' own indexes and keys. pg_stat_activity is
-- left out: its client_addr is text here (no inet type).
\d pg_am
\d pg_attrdef
\d pg_attribute
\d pg_auth_members
\d pg_authid
\d pg_class
\d pg_collation
\d pg_constraint
\d pg_database
\d pg_db_role_setting
\d pg_default_acl
\d pg_depend
\d pg_description
\d pg_extension
\d pg_group
\d pg_hba_file_rules
\d pg_index
\d pg_inherits
\d pg_language
\d pg_namespace
\d pg_partitioned_table
\d pg_policies
\d pg_policy
\d pg_prepared_statements
\d pg_proc
\d pg_publication
\d pg_publication_namespace
\d pg_publication_rel
\d pg_roles
\d pg_sequence
\d pg_settings
\d pg_shadow
\d pg_shdepend
\d pg_shdescription
\d pg_statistic_ext
\d pg_tablespace
\d pg_trigger
\d pg_type
\d pg_user
\d pg_views
\di pg_catalog.pg_auth*
\d pg_class_oid_index
\d pg_catalog.pg_depend_reference_index
SELECT 'array_in'::regproc, 'int4in'::regproc::oid, typinput, typoutput, typreceive, typsend, typalign, typstorage, typsubscript FROM pg_type WHERE typname IN ('int4', '_text', 'varchar', 'numeric', 'int2vector') ORDER BY typname;
SELECT relname, relkind, relfilenode = 0 AS mapped, relisshared, relhasindex, relispopulated FROM pg_class WHERE relname IN ('pg_class', 'pg_roles', 'pg_class_oid_index', 'pg_authid', 'pg_authid_rolname_index', 'pg_namespace') ORDER BY 1;
SELECT indkey, indkey[0], indkey[1], indkey[2], indclass, indcollation, indoption, indisready, indislive FROM pg_index WHERE indexrelid = 'pg_class_relname_nsp_index'::regclass;
SELECT conname, contype, conkey, conindid::regclass, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'pg_authid'::regclass ORDER BY 1;
SELECT pg_get_indexdef('pg_authid_rolname_index'::regclass), pg_get_indexdef('pg_authid_rolname_index'::regclass, 1, true);
SELECT amname, amhandler, amtype FROM pg_am WHERE amname IN ('heap', 'btree') ORDER BY 1;
SELECT 'r'::"char", 'abc'::"char", relkind = 'r', relkind::text FROM pg_class WHERE relname = 'pg_class';
SELECT lanname, lanplcallfoid, laninline, lanvalidator, lanacl FROM pg_language ORDER BY 1;
-- A user table's rows in the widened catalogs.
CREATE TABLE cc_parent (id int PRIMARY KEY, code varchar(10) UNIQUE);
CREATE TABLE cc_child (id bigint PRIMARY KEY, parent int REFERENCES cc_parent, code varchar(10) REFERENCES cc_parent (code),
  tags text[], price numeric(8,2) DEFAULT 0, created timestamptz DEFAULT now(), note text COLLATE "C");
CREATE INDEX cc_child_note ON cc_child (note, created);
CREATE VIEW cc_view AS SELECT id, note, tags FROM cc_child;
SELECT relname, relkind, relpersistence, relnatts, relchecks, relhasindex, relisshared, relispopulated, relreplident, relrewrite, relfilenode = oid AS own_file FROM pg_class WHERE relname LIKE 'cc_%' ORDER BY 1;
SELECT attname, attnum, attstattarget, attlen, attndims, attcacheoff, atttypmod, attbyval, attalign, attstorage, attcompression, attnotnull, atthasdef, atthasmissing, attidentity, attgenerated, attislocal, attinhcount, attcollation, attoptions, attfdwoptions, attmissingval FROM pg_attribute WHERE attrelid = 'cc_child'::regclass ORDER BY attnum;
SELECT attrelid::regclass, attname, attnum, attstattarget, attbyval, attalign, attcollation FROM pg_attribute WHERE attrelid IN ('cc_child_note'::regclass, 'cc_view'::regclass, 'pg_authid_rolname_index'::regclass) ORDER BY 1, attnum;
SELECT indexrelid::regclass, indnatts, indnkeyatts, indisunique, indisprimary, indkey, indcollation, indclass, indoption, indcheckxmin, indisready, indislive FROM pg_index WHERE indrelid = 'cc_child'::regclass ORDER BY 1;
SELECT conname, contype, conkey, confkey, conpfeqop, conppeqop, conffeqop, confdelsetcols, conexclop FROM pg_constraint WHERE conrelid = 'cc_child'::regclass ORDER BY 1;
SELECT adrelid::regclass, adnum, pg_get_expr(adbin, adrelid), oid <> 0 AS has_oid FROM pg_attrdef WHERE adrelid = 'cc_child'::regclass ORDER BY adnum;
SELECT count(DISTINCT oid) FROM pg_attrdef WHERE adrelid = 'cc_child'::regclass;
ALTER TABLE cc_child ALTER COLUMN price DROP DEFAULT;
SELECT adnum FROM pg_attrdef WHERE adrelid = 'cc_child'::regclass ORDER BY adnum;
DROP VIEW cc_view;
DROP TABLE cc_child, cc_parent;
-- Routines.
CREATE FUNCTION cc_f(a int, b int DEFAULT 2) RETURNS int LANGUAGE sql AS 'SELECT a + b';
CREATE FUNCTION cc_g(VARIADIC a int[]) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION cc_h(a int, OUT b int) LANGUAGE sql AS 'SELECT a';
SELECT proname, provariadic::regtype, prosupport, prokind, provolatile, proparallel, pronargs, pronargdefaults, proargtypes, proallargtypes, proargmodes, proargnames, protrftypes, probin, prosqlbody FROM pg_proc WHERE proname LIKE 'cc\_%' ORDER BY 1;
DROP FUNCTION cc_f, cc_g, cc_h;
SELECT attrelid::regclass, attname, attstattarget, attbyval, attalign, attstorage FROM pg_attribute WHERE attrelid IN ('pg_authid'::regclass, 'pg_roles'::regclass) AND attnum BETWEEN -1 AND 2 ORDER BY 1, attnum;
-- Input of the catalog types, bad input included.
SELECT 'abc'::xid;
SELECT '42'::xid, '4294967295'::xid;
SELECT '4294967296'::xid;
SELECT ''::"char", 'é'::"char";
SELECT indkey[-1], indkey[100000], indkey[NULL] FROM pg_index WHERE indexrelid = 'pg_class_oid_index'::regclass;
SELECT '1 2'::int2vector, ('1 2'::int2vector)[1];
SELECT 'x y'::int2vector::int2[];
SELECT 'nosuchfn'::regproc;
SELECT 'pg_catalog.int4in'::regproc;
SELECT '1 x'::int2vector;
SELECT '1 70000 2'::int2vector;
SELECT '1 -5000000000'::oidvector;
