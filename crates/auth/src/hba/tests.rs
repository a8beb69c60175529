use super::*;

impl HbaConfig {
    /// A file without `@` inclusions, TLS on; errors as `pg_hba.conf line N: message`.
    fn parse(text: &str) -> Result<HbaConfig, String> {
        HbaConfig::parse_with(
            text,
            ParseOptions {
                ssl: true,
                dir: None,
            },
        )
        .map_err(|errs| {
            errs.iter()
                .map(|(n, m)| format!("pg_hba.conf line {n}: {m}"))
                .collect::<Vec<_>>()
                .join("\n")
        })
    }
}

const SAMPLE: &str = "
# TYPE  DATABASE USER ADDRESS      METHOD
local   all      postgres          trust
host    all      all   127.0.0.1/32 scram-sha-256
host    all      bad   0.0.0.0/0    reject
hostssl all      all   ::1/128      scram-sha-256
";

fn no_members(_: &str, _: &str) -> bool {
    false
}

fn conn<'a>(local: bool, addr: Option<&str>, user: &'a str) -> ConnectionInfo<'a> {
    ConnectionInfo {
        local,
        tls: false,
        addr: addr.map(|a| a.parse().unwrap()),
        database: "postgres",
        user,
        is_member: &no_members,
    }
}

#[test]
fn first_match_wins_and_no_match_rejects() {
    let h = HbaConfig::parse(SAMPLE).unwrap();
    assert_eq!(
        h.find(&conn(true, None, "postgres")).unwrap().method,
        Method::Trust
    );
    assert!(
        h.find(&conn(true, None, "alice")).is_none(),
        "local alice has no line: rejected"
    );
    assert_eq!(
        h.find(&conn(false, Some("127.0.0.1"), "alice"))
            .unwrap()
            .method,
        Method::ScramSha256
    );
    assert_eq!(
        h.find(&conn(false, Some("10.1.2.3"), "bad"))
            .unwrap()
            .method,
        Method::Reject
    );
    assert!(h.find(&conn(false, Some("10.1.2.3"), "alice")).is_none());
    assert!(
        h.find(&conn(false, Some("::1"), "alice")).is_none(),
        "hostssl needs TLS"
    );
}

#[test]
fn keywords_groups_quotes_and_regexes() {
    let h = HbaConfig::parse(
        "local sameuser all trust\n\
         local samerole all password\n\
         local \"all\" all reject\n\
         local all +admins md5\n\
         local all \"+admins\" peer\n\
         local /^tenant_[0-9]+$ /^svc_ scram-sha-256\n\
         local replication all trust\n",
    )
    .unwrap();
    let member = |user: &str, role: &str| user == "carol" && (role == "admins" || role == "sales");
    let find = |db: &str, user: &str| {
        h.find(&ConnectionInfo {
            local: true,
            tls: false,
            addr: None,
            database: db,
            user,
            is_member: &member,
        })
        .map(|r| (r.line, r.method))
    };
    assert_eq!(find("alice", "alice"), Some((1, Method::Trust)));
    assert_eq!(find("sales", "carol"), Some((2, Method::Password)));
    assert_eq!(
        find("all", "dave"),
        Some((3, Method::Reject)),
        "quoted \"all\" is a name"
    );
    assert_eq!(
        find("x", "carol"),
        Some((4, Method::Md5)),
        "+admins matches members"
    );
    assert_eq!(
        find("x", "+admins"),
        Some((5, Method::Peer)),
        "quoted +admins is a name"
    );
    assert_eq!(find("tenant_42", "svc_api"), Some((6, Method::ScramSha256)));
    assert_eq!(
        find("tenant_x", "svc_api"),
        None,
        "regex must match; replication never does"
    );
}

#[test]
fn addresses_masks_and_options() {
    let h = HbaConfig::parse(
        "host all all 10.0.0.0 255.255.0.0 trust\n\
         host all all samehost reject\n\
         hostssl all all all cert map=certs\n\
         hostssl all all 192.168.0.0/16 scram-sha-256 clientcert=verify-ca\n",
    )
    .unwrap();
    let r = &h.rules;
    assert_eq!(
        r[0].address,
        Some(AddressSpec::Net {
            addr: "10.0.0.0".parse().unwrap(),
            mask: "255.255.0.0".parse().unwrap()
        })
    );
    assert_eq!(
        r[2].clientcert,
        ClientCert::VerifyFull,
        "cert implies verify-full"
    );
    assert_eq!(r[2].options(), ["map=certs", "clientcert=verify-full"]);
    assert_eq!(r[3].options(), ["clientcert=verify-ca"]);
    let find = |addr: &str, tls: bool| {
        h.find(&ConnectionInfo {
            local: false,
            tls,
            addr: Some(addr.parse().unwrap()),
            database: "d",
            user: "u",
            is_member: &no_members,
        })
        .map(|r| r.line)
    };
    assert_eq!(find("10.0.200.1", false), Some(1));
    assert_eq!(find("127.0.0.1", false), Some(2), "loopback is samehost");
    assert_eq!(find("192.0.2.1", true), Some(3));
    assert_eq!(find("192.0.2.1", false), None);
}

fn error_of(line: &str) -> String {
    let errs = HbaConfig::parse_with(
        line,
        ParseOptions {
            ssl: true,
            dir: None,
        },
    )
    .unwrap_err();
    errs[0].1.clone()
}

#[test]
fn errors_match_postgresql() {
    assert_eq!(
        error_of("bogus all all trust"),
        "invalid connection type \"bogus\""
    );
    assert_eq!(
        error_of("local"),
        "end-of-line before database specification"
    );
    assert_eq!(
        error_of("local all"),
        "end-of-line before role specification"
    );
    assert_eq!(
        error_of("host all all"),
        "end-of-line before IP address specification"
    );
    assert_eq!(
        error_of("host all all 10.0.0.0/8"),
        "end-of-line before authentication method"
    );
    assert_eq!(
        error_of("host all all 10.0.0.0/40 trust"),
        "invalid CIDR mask in address \"10.0.0.0/40\""
    );
    assert_eq!(
        error_of("host all all 10.0.0.0 trust"),
        "invalid IP mask \"trust\": Name or service not known"
    );
    assert_eq!(
        error_of("host all all 10.0.0.0 ::ffff trust"),
        "IP address and mask do not match"
    );
    assert_eq!(
        error_of("host all all 1.2.3.4,5.6.7.8 trust"),
        "multiple values specified for host address"
    );
    assert_eq!(
        error_of("host all all example.com/24 trust"),
        "specifying both host name and CIDR mask is invalid: \"example.com/24\""
    );
    assert!(error_of("host all all example.com trust").contains("not supported by Rampart"));
    assert_eq!(
        error_of("local all all foo"),
        "invalid authentication method \"foo\""
    );
    assert_eq!(
        error_of("host all all all ldap"),
        "invalid authentication method \"ldap\": not supported by this build"
    );
    assert_eq!(
        error_of("host all all all peer"),
        "peer authentication is only supported on local sockets"
    );
    assert_eq!(
        error_of("host all all all cert"),
        "cert authentication is only supported on hostssl connections"
    );
    assert_eq!(
        error_of("host all all all trust clientcert=verify-ca"),
        "clientcert can only be configured for \"hostssl\" rows"
    );
    assert_eq!(
        error_of("hostssl all all all cert clientcert=verify-ca"),
        "clientcert only accepts \"verify-full\" when using \"cert\" authentication"
    );
    assert_eq!(
        error_of("hostssl all all all trust clientcert=maybe"),
        "invalid value for clientcert: \"maybe\""
    );
    assert_eq!(error_of("local all all trust map=x"), "authentication option \"map\" is only valid for authentication methods ident, peer, gssapi, sspi, and cert");
    assert_eq!(
        error_of("local all all peer nonsense"),
        "authentication option not in name=value format: nonsense"
    );
    assert_eq!(
        error_of("local all all peer foo=bar"),
        "unrecognized authentication option name: \"foo\""
    );
    assert_eq!(
        error_of("local all all trust reject"),
        "authentication option not in name=value format: reject"
    );
    assert_eq!(
        error_of("local all /( trust"),
        "invalid regular expression \"(\": regex parse error:\n    (\n    ^\nerror: unclosed group"
    );
}

#[test]
fn a_bad_line_refuses_the_whole_file_and_lines_keep_their_errors() {
    let text = "local all all trust\nbogus\nhost all all 10.0.0.0/8 scram-sha-256\n";
    let e = HbaConfig::parse(text).unwrap_err();
    assert_eq!(e, "pg_hba.conf line 2: invalid connection type \"bogus\"");
    let lines = parse_lines(
        text,
        ParseOptions {
            ssl: false,
            dir: None,
        },
    );
    assert_eq!(lines.len(), 3);
    assert!(lines[0].rule.is_some() && lines[0].error.is_none());
    assert!(lines[1].rule.is_none() && lines[1].error.is_some());
    let ssl_off = parse_lines(
        "hostssl all all all trust\n",
        ParseOptions {
            ssl: false,
            dir: None,
        },
    );
    assert!(ssl_off[0].rule.is_some(), "the rule still loads");
    assert_eq!(
        ssl_off[0].error.as_deref(),
        Some("hostssl record cannot match because SSL is disabled")
    );
}
