//! pg_hba.conf: PostgreSQL's format, first matching line wins, no match rejects.
//!
//! Parsing follows PostgreSQL 15 (`hba.c`): the same tokenizer
//! ([`crate::tokens`]), the same keywords (`all`, `sameuser`, `samerole`,
//! `replication`, `+group`, `@file`, `samehost`, `samenet`), methods, options
//! (`map`, `clientcert`) and error texts. Beyond PostgreSQL 15, database and
//! user tokens starting with `/` are regular expressions (PostgreSQL 16).
//! Host names in the address field are refused rather than matched by DNS:
//! a rule that can never match could silently skip a `reject` line.
//! A file with any invalid line is rejected as a whole.

use std::net::IpAddr;
use std::path::Path;

use regex::Regex;

use crate::tokens::{tokenize, Token};

use crate::netmatch::in_network;

/// Connection type of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnType {
    /// `local`: unix-domain socket.
    Local,
    /// `host`: TCP, with or without TLS.
    Host,
    /// `hostssl`: TCP with TLS.
    HostSsl,
    /// `hostnossl`: TCP without TLS.
    HostNoSsl,
}

impl ConnType {
    /// The keyword as written in pg_hba.conf.
    pub fn name(self) -> &'static str {
        match self {
            ConnType::Local => "local",
            ConnType::Host => "host",
            ConnType::HostSsl => "hostssl",
            ConnType::HostNoSsl => "hostnossl",
        }
    }
}

/// Authentication method of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Allow without a password.
    Trust,
    /// Refuse.
    Reject,
    /// SCRAM-SHA-256.
    ScramSha256,
    /// `md5`: Rampart stores only SCRAM verifiers, so this runs SCRAM, exactly
    /// as PostgreSQL does for a role whose password is a SCRAM verifier.
    Md5,
    /// Cleartext password checked against the SCRAM verifier (allowed but
    /// flagged: the password crosses the wire unless TLS protects it).
    Password,
    /// TLS client certificate; its CN (through `map`) must name the role.
    Cert,
    /// Unix-socket peer credentials (SO_PEERCRED); the OS user (through
    /// `map`) must name the role.
    Peer,
}

impl Method {
    /// The name as written in pg_hba.conf.
    pub fn name(self) -> &'static str {
        match self {
            Method::Trust => "trust",
            Method::Reject => "reject",
            Method::ScramSha256 => "scram-sha-256",
            Method::Md5 => "md5",
            Method::Password => "password",
            Method::Cert => "cert",
            Method::Peer => "peer",
        }
    }
}

/// `clientcert` option of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientCert {
    /// No certificate required.
    Off,
    /// A certificate signed by `ssl_ca_file` is required.
    VerifyCa,
    /// As `VerifyCa`, and its CN must name the role (through `map`).
    VerifyFull,
}

/// The address field of a host rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressSpec {
    /// `all`.
    All,
    /// `samehost`: any of the server's own addresses.
    SameHost,
    /// `samenet`: any subnet the server is directly connected to.
    SameNet,
    /// An address and mask (from CIDR or a separate mask column).
    Net {
        /// Network address as written.
        addr: IpAddr,
        /// Mask.
        mask: IpAddr,
    },
}

/// A database or user token, with its regular expression when it is one.
#[derive(Clone, Debug)]
pub struct NameToken {
    /// The token as written.
    pub token: Token,
    regex: Option<Regex>,
}

impl NameToken {
    fn is_keyword(&self, k: &str) -> bool {
        self.token.is_keyword(k)
    }

    fn matches_name(&self, name: &str) -> bool {
        match &self.regex {
            Some(re) => re.is_match(name),
            None => self.token.text == name,
        }
    }

    /// `+group` (unquoted): the group name.
    fn group(&self) -> Option<&str> {
        (!self.token.quoted)
            .then(|| self.token.text.strip_prefix('+'))
            .flatten()
    }
}

/// One rule line.
#[derive(Clone, Debug)]
pub struct Rule {
    /// 1-based line number in the file.
    pub line: usize,
    /// Connection type.
    pub conn: ConnType,
    /// Database tokens.
    pub databases: Vec<NameToken>,
    /// User tokens.
    pub users: Vec<NameToken>,
    /// Address (None for `local`).
    pub address: Option<AddressSpec>,
    /// Method.
    pub method: Method,
    /// `map=` option: the pg_ident.conf map for cert/peer.
    pub map: Option<String>,
    /// `clientcert=` option (`cert` implies verify-full).
    pub clientcert: ClientCert,
}

impl Rule {
    /// The options column of pg_hba_file_rules (`map=…`, `clientcert=…`).
    pub fn options(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(m) = &self.map {
            out.push(format!("map={m}"));
        }
        match self.clientcert {
            ClientCert::Off => {}
            ClientCert::VerifyCa => out.push("clientcert=verify-ca".into()),
            ClientCert::VerifyFull => out.push("clientcert=verify-full".into()),
        }
        out
    }
}

/// One line of the file as pg_hba_file_rules shows it: the parsed rule, an
/// error, or (rarely) both when the rule parses but can never match.
#[derive(Clone, Debug)]
pub struct FileLine {
    /// 1-based line number.
    pub line: usize,
    /// The parsed rule, if the line parsed.
    pub rule: Option<Rule>,
    /// What is wrong with the line.
    pub error: Option<String>,
}

/// How to read the file.
#[derive(Clone, Copy, Debug, Default)]
pub struct ParseOptions<'a> {
    /// Whether the server has TLS enabled (`hostssl` lines can match).
    pub ssl: bool,
    /// Directory of the file, for `@file` inclusions.
    pub dir: Option<&'a Path>,
}

/// A parsed pg_hba.conf.
#[derive(Clone, Debug, Default)]
pub struct HbaConfig {
    /// Rules in file order.
    pub rules: Vec<Rule>,
}

/// Who is connecting, from where.
pub struct ConnectionInfo<'a> {
    /// Unix socket (`local`) or TCP.
    pub local: bool,
    /// TLS in use.
    pub tls: bool,
    /// Client address (TCP).
    pub addr: Option<IpAddr>,
    /// Requested database.
    pub database: &'a str,
    /// Requested user.
    pub user: &'a str,
    /// Whether the user is (directly or indirectly) a member of a role, or is
    /// that role; superuser status does not count (PostgreSQL's `+group`).
    pub is_member: &'a dyn Fn(&str, &str) -> bool,
}

impl HbaConfig {
    /// Parses the file text; on any invalid line the whole file is refused and
    /// the errors are returned with their line numbers.
    pub fn parse_with(text: &str, opts: ParseOptions) -> Result<HbaConfig, Vec<(usize, String)>> {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for l in parse_lines(text, opts) {
            match l.rule {
                Some(r) => rules.push(r),
                None => errors.push((l.line, l.error.unwrap_or_default())),
            }
        }
        if errors.is_empty() {
            Ok(HbaConfig { rules })
        } else {
            Err(errors)
        }
    }

    /// The first rule matching the connection, or None (reject).
    pub fn find(&self, c: &ConnectionInfo) -> Option<&Rule> {
        self.rules.iter().find(|r| rule_matches(r, c))
    }
}

fn rule_matches(r: &Rule, c: &ConnectionInfo) -> bool {
    let conn_ok = match r.conn {
        ConnType::Local => c.local,
        ConnType::Host => !c.local,
        ConnType::HostSsl => !c.local && c.tls,
        ConnType::HostNoSsl => !c.local && !c.tls,
    };
    if !conn_ok {
        return false;
    }
    if r.conn != ConnType::Local {
        let Some(a) = c.addr else { return false };
        let ok = match &r.address {
            None | Some(AddressSpec::All) => true,
            Some(AddressSpec::Net { addr, mask }) => in_network(a, *addr, *mask),
            Some(AddressSpec::SameHost) => crate::netmatch::is_own_address(a),
            Some(AddressSpec::SameNet) => crate::netmatch::is_on_own_network(a),
        };
        if !ok {
            return false;
        }
    }
    let db_ok = r.databases.iter().any(|d| {
        if d.is_keyword("all") {
            true
        } else if d.is_keyword("sameuser") {
            c.database == c.user
        } else if d.is_keyword("samerole") || d.is_keyword("samegroup") {
            (c.is_member)(c.user, c.database)
        } else if d.is_keyword("replication") {
            // Only physical replication connections match it; Rampart has none.
            false
        } else {
            d.matches_name(c.database)
        }
    });
    let user_ok = r.users.iter().any(|u| match u.group() {
        Some(g) => (c.is_member)(c.user, g),
        None => u.is_keyword("all") || u.matches_name(c.user),
    });
    db_ok && user_ok
}

/// Parses every line, keeping errors per line (pg_hba_file_rules).
pub fn parse_lines(text: &str, opts: ParseOptions) -> Vec<FileLine> {
    tokenize(text, opts.dir)
        .into_iter()
        .map(|l| {
            if let Some(e) = l.error {
                return FileLine {
                    line: l.number,
                    rule: None,
                    error: Some(e),
                };
            }
            match parse_rule(l.number, &l.fields, opts) {
                Ok((rule, warning)) => FileLine {
                    line: l.number,
                    rule: Some(rule),
                    error: warning,
                },
                Err(e) => FileLine {
                    line: l.number,
                    rule: None,
                    error: Some(e),
                },
            }
        })
        .collect()
}

fn single<'a>(field: &'a [Token], what: &str) -> Result<&'a Token, String> {
    match field {
        [t] => Ok(t),
        _ => Err(format!("multiple values specified for {what}")),
    }
}

fn name_tokens(field: &[Token]) -> Result<Vec<NameToken>, String> {
    field
        .iter()
        .map(|t| {
            let regex = match t.text.strip_prefix('/') {
                Some(pattern) if !t.quoted => Some(
                    Regex::new(pattern)
                        .map_err(|e| format!("invalid regular expression \"{pattern}\": {e}"))?,
                ),
                _ => None,
            };
            Ok(NameToken {
                token: t.clone(),
                regex,
            })
        })
        .collect()
}

/// Parses one tokenized line: the rule, plus a warning for a rule that can
/// never match (`hostssl` with TLS off, as PostgreSQL reports it).
fn parse_rule(
    line: usize,
    fields: &[Vec<Token>],
    opts: ParseOptions,
) -> Result<(Rule, Option<String>), String> {
    let mut it = fields.iter();
    let ty = single(
        it.next().map(Vec::as_slice).unwrap_or(&[]),
        "connection type",
    )?;
    let mut warning = None;
    let conn = match ty.text.as_str() {
        "local" => ConnType::Local,
        "host" => ConnType::Host,
        "hostssl" => {
            if !opts.ssl {
                warning = Some("hostssl record cannot match because SSL is disabled".into());
            }
            ConnType::HostSsl
        }
        "hostnossl" => ConnType::HostNoSsl,
        other => return Err(format!("invalid connection type \"{other}\"")),
    };
    let databases = name_tokens(
        it.next()
            .ok_or("end-of-line before database specification")?,
    )?;
    let users = name_tokens(it.next().ok_or("end-of-line before role specification")?)?;
    let address = if conn == ConnType::Local {
        None
    } else {
        let field = it
            .next()
            .ok_or("end-of-line before IP address specification")?;
        let tok = single(field, "host address")?;
        Some(if tok.is_keyword("all") {
            AddressSpec::All
        } else if tok.is_keyword("samehost") {
            AddressSpec::SameHost
        } else if tok.is_keyword("samenet") {
            AddressSpec::SameNet
        } else {
            parse_address(&tok.text, &mut it)?
        })
    };
    let method_tok = single(
        it.next()
            .ok_or("end-of-line before authentication method")?,
        "authentication type",
    )?;
    let method = match method_tok.text.as_str() {
        "trust" => Method::Trust,
        "reject" => Method::Reject,
        "scram-sha-256" => Method::ScramSha256,
        "md5" => Method::Md5,
        "password" => Method::Password,
        "cert" => Method::Cert,
        "peer" => Method::Peer,
        // PostgreSQL turns ident on a local line into peer.
        "ident" if conn == ConnType::Local => Method::Peer,
        m @ ("ident" | "gss" | "sspi" | "pam" | "bsd" | "ldap" | "radius") => {
            return Err(format!(
                "invalid authentication method \"{m}\": not supported by this build"
            ))
        }
        other => return Err(format!("invalid authentication method \"{other}\"")),
    };
    if conn != ConnType::Local && method == Method::Peer {
        return Err("peer authentication is only supported on local sockets".into());
    }
    if conn != ConnType::HostSsl && method == Method::Cert {
        return Err("cert authentication is only supported on hostssl connections".into());
    }
    let mut rule = Rule {
        line,
        conn,
        databases,
        users,
        address,
        method,
        map: None,
        clientcert: ClientCert::Off,
    };
    for field in it {
        for tok in field {
            let Some((name, value)) = tok.text.split_once('=') else {
                return Err(format!(
                    "authentication option not in name=value format: {}",
                    tok.text
                ));
            };
            parse_option(&mut rule, name, value)?;
        }
    }
    if method == Method::Cert {
        rule.clientcert = ClientCert::VerifyFull;
    }
    Ok((rule, warning))
}

fn parse_option(rule: &mut Rule, name: &str, value: &str) -> Result<(), String> {
    match name {
        "map" => {
            if !matches!(rule.method, Method::Peer | Method::Cert) {
                return Err("authentication option \"map\" is only valid for authentication methods ident, peer, gssapi, sspi, and cert".into());
            }
            rule.map = Some(value.to_string());
        }
        "clientcert" => {
            if rule.conn != ConnType::HostSsl {
                return Err("clientcert can only be configured for \"hostssl\" rows".into());
            }
            rule.clientcert = match value {
                "verify-full" => ClientCert::VerifyFull,
                "verify-ca" if rule.method == Method::Cert => return Err(
                    "clientcert only accepts \"verify-full\" when using \"cert\" authentication"
                        .into(),
                ),
                "verify-ca" => ClientCert::VerifyCa,
                other => return Err(format!("invalid value for clientcert: \"{other}\"")),
            };
        }
        "clientname" => {
            if rule.conn != ConnType::HostSsl {
                return Err("clientname can only be configured for \"hostssl\" rows".into());
            }
            match value {
                "CN" => {}
                // The full subject DN would need PostgreSQL's RFC 2253 rendering.
                "DN" => return Err("clientname=DN is not supported by Rampart".into()),
                other => return Err(format!("invalid value for clientname: \"{other}\"")),
            }
        }
        other => {
            return Err(format!(
                "unrecognized authentication option name: \"{other}\""
            ))
        }
    }
    Ok(())
}

/// `10.0.0.0/8`, `::1/128`, or an address followed by a mask field.
fn parse_address<'a>(
    text: &str,
    rest: &mut impl Iterator<Item = &'a Vec<Token>>,
) -> Result<AddressSpec, String> {
    let (ip_text, bits) = match text.split_once('/') {
        Some((ip, bits)) => (ip, Some(bits)),
        None => (text, None),
    };
    let addr: IpAddr = match ip_text.parse() {
        Ok(a) => a,
        // PostgreSQL reads anything that is not a numeric address as a host name.
        Err(_) if bits.is_some() => {
            return Err(format!(
                "specifying both host name and CIDR mask is invalid: \"{text}\""
            ))
        }
        Err(_) => {
            return Err(format!(
                "host name \"{ip_text}\" in pg_hba.conf is not supported by Rampart (use an IP address or CIDR range)"
            ))
        }
    };
    let mask = match bits {
        Some(b) => {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            match b.parse::<u8>() {
                Ok(n) if n <= max => crate::netmatch::mask_from_bits(addr, n),
                _ => return Err(format!("invalid CIDR mask in address \"{text}\"")),
            }
        }
        None => {
            let field = rest
                .next()
                .ok_or("end-of-line before netmask specification")?;
            let tok = single(field, "netmask")?;
            let mask: IpAddr = tok.text.parse().map_err(|_| {
                format!(
                    "invalid IP mask \"{}\": Name or service not known",
                    tok.text
                )
            })?;
            if mask.is_ipv4() != addr.is_ipv4() {
                return Err("IP address and mask do not match".into());
            }
            mask
        }
    };
    Ok(AddressSpec::Net { addr, mask })
}

#[cfg(test)]
mod tests;
