//! System catalogs of features Rampart does not have: they exist, with
//! PostgreSQL 15's columns, so the catalog queries of clients (pg_dump,
//! psql, drivers) run, and they have no rows.

use rampart_types::{DataType, RegKind};

use super::{t, Col, SysView};
use DataType::{
    Bool, Float4, Int2, Int4, InternalChar as Char1, Name, Oid, PgNodeTree as NodeTree, Text,
};

/// The empty catalogs.
pub const VIEWS: &[SysView] = &[
    // Empty: operator classes are built in and not listed.
    SysView {
        name: "pg_amop",
        oid: 2602,
        columns: &[
            ("oid", t(Oid)),
            ("amopfamily", t(Oid)),
            ("amoplefttype", t(Oid)),
            ("amoprighttype", t(Oid)),
            ("amopstrategy", t(Int2)),
            ("amoppurpose", t(Char1)),
            ("amopopr", t(Oid)),
            ("amopmethod", t(Oid)),
            ("amopsortfamily", t(Oid)),
        ],
        superuser_only: false,
    },
    // Empty: operator classes are built in and not listed.
    SysView {
        name: "pg_amproc",
        oid: 2603,
        columns: &[
            ("oid", t(Oid)),
            ("amprocfamily", t(Oid)),
            ("amproclefttype", t(Oid)),
            ("amprocrighttype", t(Oid)),
            ("amprocnum", t(Int2)),
            ("amproc", t(DataType::Reg(RegKind::Proc))),
        ],
        superuser_only: false,
    },
    // Empty: built-in casts are not listed; CREATE CAST is not supported.
    SysView {
        name: "pg_cast",
        oid: 2605,
        columns: &[
            ("oid", t(Oid)),
            ("castsource", t(Oid)),
            ("casttarget", t(Oid)),
            ("castfunc", t(Oid)),
            ("castcontext", t(Char1)),
            ("castmethod", t(Char1)),
        ],
        superuser_only: false,
    },
    // Empty: CREATE CONVERSION is not supported.
    SysView {
        name: "pg_conversion",
        oid: 2607,
        columns: &[
            ("oid", t(Oid)),
            ("conname", t(Name)),
            ("connamespace", t(Oid)),
            ("conowner", t(Oid)),
            ("conforencoding", t(Int4)),
            ("contoencoding", t(Int4)),
            ("conproc", t(DataType::Reg(RegKind::Proc))),
            ("condefault", t(Bool)),
        ],
        superuser_only: false,
    },
    // Empty: enum types are not supported.
    SysView {
        name: "pg_enum",
        oid: 3501,
        columns: &[
            ("oid", t(Oid)),
            ("enumtypid", t(Oid)),
            ("enumsortorder", t(Float4)),
            ("enumlabel", t(Name)),
        ],
        superuser_only: false,
    },
    // Empty: event triggers are not supported.
    SysView {
        name: "pg_event_trigger",
        oid: 3466,
        columns: &[
            ("oid", t(Oid)),
            ("evtname", t(Name)),
            ("evtevent", t(Name)),
            ("evtowner", t(Oid)),
            ("evtfoid", t(Oid)),
            ("evtenabled", t(Char1)),
            ("evttags", Col::ArrayOf(Text)),
        ],
        superuser_only: false,
    },
    // Empty: foreign data wrappers are not supported.
    SysView {
        name: "pg_foreign_data_wrapper",
        oid: 2328,
        columns: &[
            ("oid", t(Oid)),
            ("fdwname", t(Name)),
            ("fdwowner", t(Oid)),
            ("fdwhandler", t(Oid)),
            ("fdwvalidator", t(Oid)),
            ("fdwacl", Col::ArrayOf(DataType::AclItem)),
            ("fdwoptions", Col::ArrayOf(Text)),
        ],
        superuser_only: false,
    },
    // Empty: foreign servers are not supported.
    SysView {
        name: "pg_foreign_server",
        oid: 1417,
        columns: &[
            ("oid", t(Oid)),
            ("srvname", t(Name)),
            ("srvowner", t(Oid)),
            ("srvfdw", t(Oid)),
            ("srvtype", t(Text)),
            ("srvversion", t(Text)),
            ("srvacl", Col::ArrayOf(DataType::AclItem)),
            ("srvoptions", Col::ArrayOf(Text)),
        ],
        superuser_only: false,
    },
    // Empty: large objects are not supported.
    SysView {
        name: "pg_largeobject_metadata",
        oid: 2995,
        columns: &[
            ("oid", t(Oid)),
            ("lomowner", t(Oid)),
            ("lomacl", Col::ArrayOf(DataType::AclItem)),
        ],
        superuser_only: false,
    },
    // Empty: operator classes are built in and not listed.
    SysView {
        name: "pg_opclass",
        oid: 2616,
        columns: &[
            ("oid", t(Oid)),
            ("opcmethod", t(Oid)),
            ("opcname", t(Name)),
            ("opcnamespace", t(Oid)),
            ("opcowner", t(Oid)),
            ("opcfamily", t(Oid)),
            ("opcintype", t(Oid)),
            ("opcdefault", t(Bool)),
            ("opckeytype", t(Oid)),
        ],
        superuser_only: false,
    },
    // Empty: built-in operators are not listed; CREATE OPERATOR is not supported.
    SysView {
        name: "pg_operator",
        oid: 2617,
        columns: &[
            ("oid", t(Oid)),
            ("oprname", t(Name)),
            ("oprnamespace", t(Oid)),
            ("oprowner", t(Oid)),
            ("oprkind", t(Char1)),
            ("oprcanmerge", t(Bool)),
            ("oprcanhash", t(Bool)),
            ("oprleft", t(Oid)),
            ("oprright", t(Oid)),
            ("oprresult", t(Oid)),
            ("oprcom", t(Oid)),
            ("oprnegate", t(Oid)),
            ("oprcode", t(DataType::Reg(RegKind::Proc))),
            ("oprrest", t(DataType::Reg(RegKind::Proc))),
            ("oprjoin", t(DataType::Reg(RegKind::Proc))),
        ],
        superuser_only: false,
    },
    // Empty: operator families are built in and not listed.
    SysView {
        name: "pg_opfamily",
        oid: 2753,
        columns: &[
            ("oid", t(Oid)),
            ("opfmethod", t(Oid)),
            ("opfname", t(Name)),
            ("opfnamespace", t(Oid)),
            ("opfowner", t(Oid)),
        ],
        superuser_only: false,
    },
    // Empty: range types are not supported.
    SysView {
        name: "pg_range",
        oid: 3541,
        columns: &[
            ("rngtypid", t(Oid)),
            ("rngsubtype", t(Oid)),
            ("rngmultitypid", t(Oid)),
            ("rngcollation", t(Oid)),
            ("rngsubopc", t(Oid)),
            ("rngcanonical", t(DataType::Reg(RegKind::Proc))),
            ("rngsubdiff", t(DataType::Reg(RegKind::Proc))),
        ],
        superuser_only: false,
    },
    // Empty: extended statistics are not collected.
    SysView {
        name: "pg_statistic_ext_data",
        oid: 3429,
        columns: &[
            ("stxoid", t(Oid)),
            ("stxdinherit", t(Bool)),
            ("stxdndistinct", t(Text)),    // pg_ndistinct, shown as text
            ("stxddependencies", t(Text)), // pg_dependencies, shown as text
            ("stxdmcv", t(Text)),          // pg_mcv_list, shown as text
            ("stxdexpr", t(Text)),         // pg_statistic[], shown as text
        ],
        superuser_only: false,
    },
    // Empty: logical replication is not supported.
    SysView {
        name: "pg_subscription",
        oid: 6100,
        columns: &[
            ("oid", t(Oid)),
            ("subdbid", t(Oid)),
            ("subskiplsn", t(Text)), // pg_lsn, shown as text
            ("subname", t(Name)),
            ("subowner", t(Oid)),
            ("subenabled", t(Bool)),
            ("subbinary", t(Bool)),
            ("substream", t(Bool)),
            ("subtwophasestate", t(Char1)),
            ("subdisableonerr", t(Bool)),
            ("subconninfo", t(Text)),
            ("subslotname", t(Name)),
            ("subsynccommit", t(Text)),
            ("subpublications", Col::ArrayOf(Text)),
        ],
        superuser_only: false,
    },
    // Empty: transforms are not supported.
    SysView {
        name: "pg_transform",
        oid: 3576,
        columns: &[
            ("oid", t(Oid)),
            ("trftype", t(Oid)),
            ("trflang", t(Oid)),
            ("trffromsql", t(DataType::Reg(RegKind::Proc))),
            ("trftosql", t(DataType::Reg(RegKind::Proc))),
        ],
        superuser_only: false,
    },
    // Empty: text search is not supported.
    SysView {
        name: "pg_ts_config",
        oid: 3602,
        columns: &[
            ("oid", t(Oid)),
            ("cfgname", t(Name)),
            ("cfgnamespace", t(Oid)),
            ("cfgowner", t(Oid)),
            ("cfgparser", t(Oid)),
        ],
        superuser_only: false,
    },
    // Empty: text search is not supported.
    SysView {
        name: "pg_ts_config_map",
        oid: 3603,
        columns: &[
            ("mapcfg", t(Oid)),
            ("maptokentype", t(Int4)),
            ("mapseqno", t(Int4)),
            ("mapdict", t(Oid)),
        ],
        superuser_only: false,
    },
    // Empty: text search is not supported.
    SysView {
        name: "pg_ts_dict",
        oid: 3600,
        columns: &[
            ("oid", t(Oid)),
            ("dictname", t(Name)),
            ("dictnamespace", t(Oid)),
            ("dictowner", t(Oid)),
            ("dicttemplate", t(Oid)),
            ("dictinitoption", t(Text)),
        ],
        superuser_only: false,
    },
    // Empty: text search is not supported.
    SysView {
        name: "pg_ts_parser",
        oid: 3601,
        columns: &[
            ("oid", t(Oid)),
            ("prsname", t(Name)),
            ("prsnamespace", t(Oid)),
            ("prsstart", t(DataType::Reg(RegKind::Proc))),
            ("prstoken", t(DataType::Reg(RegKind::Proc))),
            ("prsend", t(DataType::Reg(RegKind::Proc))),
            ("prsheadline", t(DataType::Reg(RegKind::Proc))),
            ("prslextype", t(DataType::Reg(RegKind::Proc))),
        ],
        superuser_only: false,
    },
    // Empty: text search is not supported.
    SysView {
        name: "pg_ts_template",
        oid: 3764,
        columns: &[
            ("oid", t(Oid)),
            ("tmplname", t(Name)),
            ("tmplnamespace", t(Oid)),
            ("tmplinit", t(DataType::Reg(RegKind::Proc))),
            ("tmpllexize", t(DataType::Reg(RegKind::Proc))),
        ],
        superuser_only: false,
    },
    // Empty: foreign servers are not supported.
    SysView {
        name: "pg_user_mapping",
        oid: 1418,
        columns: &[
            ("oid", t(Oid)),
            ("umuser", t(Oid)),
            ("umserver", t(Oid)),
            ("umoptions", Col::ArrayOf(Text)),
        ],
        superuser_only: false,
    },
    // Not empty: the system relations' and schemas' ACLs from initdb
    // (rows from `system_relations::init_privs_rows`).
    SysView {
        name: "pg_init_privs",
        oid: 3394,
        columns: &[
            ("objoid", t(Oid)),
            ("classoid", t(Oid)),
            ("objsubid", t(Int4)),
            ("privtype", t(Char1)),
            ("initprivs", Col::ArrayOf(DataType::AclItem)),
        ],
        superuser_only: false,
    },
    // Foreign tables are not supported: no rows.
    SysView {
        name: "pg_foreign_table",
        oid: 3118,
        columns: &[
            ("ftrelid", t(Oid)),
            ("ftserver", t(Oid)),
            ("ftoptions", Col::ArrayOf(DataType::Text)),
        ],
        superuser_only: false,
    },
    // GRANT … ON PARAMETER is not supported, so no parameter has an ACL.
    SysView {
        name: "pg_parameter_acl",
        oid: 6243,
        columns: &[
            ("oid", t(Oid)),
            ("parname", t(Text)),
            ("paracl", Col::ArrayOf(DataType::AclItem)),
        ],
        superuser_only: false,
    },
    SysView {
        name: "pg_shseclabel",
        oid: 3592,
        columns: &[
            ("objoid", t(Oid)),
            ("classoid", t(Oid)),
            ("provider", t(Text)),
            ("label", t(Text)),
        ],
        superuser_only: false,
    },
    // Security labels: Rampart has no label providers, so both are empty
    // (pg_dump and pg_dumpall read them).
    SysView {
        name: "pg_seclabel",
        oid: 3596,
        columns: &[
            ("objoid", t(Oid)),
            ("classoid", t(Oid)),
            ("objsubid", t(Int4)),
            ("provider", t(Text)),
            ("label", t(Text)),
        ],
        superuser_only: false,
    },
    // Empty: rules other than a view's are not supported, and views' own
    // `_RETURN` rules are not listed (pg_get_viewdef gives their query).
    SysView {
        name: "pg_rewrite",
        oid: 2618,
        columns: &[
            ("oid", t(Oid)),
            ("rulename", t(Name)),
            ("ev_class", t(Oid)),
            ("ev_type", t(Char1)),
            ("ev_enabled", t(Char1)),
            ("is_instead", t(Bool)),
            ("ev_qual", t(NodeTree)),
            ("ev_action", t(NodeTree)),
        ],
        superuser_only: false,
    },
    // Empty: no security label providers (see pg_seclabel).
    SysView {
        name: "pg_seclabels",
        oid: 12099,
        columns: &[
            ("objoid", t(Oid)),
            ("classoid", t(Oid)),
            ("objsubid", t(Int4)),
            ("objtype", t(Text)),
            ("objnamespace", t(Oid)),
            ("objname", t(Text)),
            ("provider", t(Text)),
            ("label", t(Text)),
        ],
        superuser_only: false,
    },
];
