//! pg_hba.conf: PostgreSQL's format, first matching line wins, no match rejects.

use std::net::IpAddr;

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

/// Authentication method of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Allow without a password.
    Trust,
    /// Refuse.
    Reject,
    /// SCRAM-SHA-256 (also used for `md5` lines, as PostgreSQL does for SCRAM verifiers).
    ScramSha256,
}

impl Method {
    /// The name as written in pg_hba.conf.
    pub fn name(self) -> &'static str {
        match self {
            Method::Trust => "trust",
            Method::Reject => "reject",
            Method::ScramSha256 => "scram-sha-256",
        }
    }
}

/// One rule line.
#[derive(Clone, Debug)]
pub struct Rule {
    /// 1-based line number in the file.
    pub line: usize,
    /// Connection type.
    pub conn: ConnType,
    /// Database names (`all` matches every database).
    pub databases: Vec<String>,
    /// User names (`all` matches every user).
    pub users: Vec<String>,
    /// Address and prefix length (None for local, or `all`).
    pub address: Option<(IpAddr, u8)>,
    /// Method.
    pub method: Method,
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
}

impl HbaConfig {
    /// Parses the file text; errors name the line, as PostgreSQL's log does.
    pub fn parse(text: &str) -> Result<HbaConfig, String> {
        let mut rules = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            let err = |m: &str| format!("pg_hba.conf line {}: {m}: \"{raw}\"", i + 1);
            let conn = match f[0] {
                "local" => ConnType::Local,
                "host" => ConnType::Host,
                "hostssl" => ConnType::HostSsl,
                "hostnossl" => ConnType::HostNoSsl,
                other => return Err(err(&format!("invalid connection type \"{other}\""))),
            };
            let (addr, method_idx) = if conn == ConnType::Local {
                (None, 3)
            } else {
                let a = f
                    .get(3)
                    .ok_or_else(|| err("end-of-line before IP address specification"))?;
                if *a == "all" {
                    (None, 4)
                } else if let Some((ip, bits)) = a.split_once('/') {
                    let ip: IpAddr = ip
                        .parse()
                        .map_err(|_| err(&format!("invalid IP address \"{ip}\"")))?;
                    let bits: u8 = bits
                        .parse()
                        .map_err(|_| err(&format!("invalid CIDR mask in address \"{a}\"")))?;
                    (Some((ip, bits)), 4)
                } else {
                    let ip: IpAddr = a
                        .parse()
                        .map_err(|_| err(&format!("invalid IP address \"{a}\"")))?;
                    let mask: IpAddr = f
                        .get(4)
                        .ok_or_else(|| err("end-of-line before netmask specification"))?
                        .parse()
                        .map_err(|_| err("invalid IP mask"))?;
                    let bits = match mask {
                        IpAddr::V4(m) => u32::from(m).count_ones() as u8,
                        IpAddr::V6(m) => u128::from(m).count_ones() as u8,
                    };
                    (Some((ip, bits)), 5)
                }
            };
            let method = match f.get(method_idx).copied() {
                Some("trust") => Method::Trust,
                Some("reject") => Method::Reject,
                Some("scram-sha-256") | Some("md5") => Method::ScramSha256,
                Some(other) => return Err(err(&format!("invalid authentication method \"{other}\" (Rampart supports trust, reject, scram-sha-256, md5)"))),
                None => return Err(err("end-of-line before authentication method")),
            };
            let list = |s: Option<&&str>| -> Result<Vec<String>, String> {
                Ok(
                    s.ok_or_else(|| err("end-of-line before database specification"))?
                        .split(',')
                        .map(|x| x.trim_matches('"').to_string())
                        .collect(),
                )
            };
            rules.push(Rule {
                line: i + 1,
                conn,
                databases: list(f.get(1))?,
                users: list(f.get(2))?,
                address: addr,
                method,
            });
        }
        Ok(HbaConfig { rules })
    }

    /// The first rule matching the connection, or None (reject).
    pub fn find(&self, c: &ConnectionInfo) -> Option<&Rule> {
        self.rules.iter().find(|r| {
            let conn_ok = match r.conn {
                ConnType::Local => c.local,
                ConnType::Host => !c.local,
                ConnType::HostSsl => !c.local && c.tls,
                ConnType::HostNoSsl => !c.local && !c.tls,
            };
            let db_ok = r.databases.iter().any(|d| {
                d == "all" || d == c.database || (d == "sameuser" && c.database == c.user)
            });
            let user_ok = r.users.iter().any(|u| u == "all" || u == c.user);
            let addr_ok = match (r.conn, r.address, c.addr) {
                (ConnType::Local, _, _) => true,
                (_, None, _) => true,
                (_, Some((net, bits)), Some(a)) => in_network(a, net, bits),
                (_, Some(_), None) => false,
            };
            conn_ok && db_ok && user_ok && addr_ok
        })
    }
}

fn in_network(a: IpAddr, net: IpAddr, bits: u8) -> bool {
    let a = match (a, net) {
        (IpAddr::V6(v6), IpAddr::V4(_)) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(a),
        _ => a,
    };
    match (a, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits.min(32))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits.min(128))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "
# TYPE  DATABASE USER ADDRESS      METHOD
local   all      postgres          trust
host    all      all   127.0.0.1/32 scram-sha-256
host    all      bad   0.0.0.0/0    reject
hostssl all      all   ::1/128      scram-sha-256
";

    fn conn<'a>(local: bool, addr: Option<&str>, user: &'a str) -> ConnectionInfo<'a> {
        ConnectionInfo {
            local,
            tls: false,
            addr: addr.map(|a| a.parse().unwrap()),
            database: "postgres",
            user,
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
    fn bad_lines_are_reported_with_line_number() {
        let e = HbaConfig::parse("host all all 127.0.0.1/32 password\n").unwrap_err();
        assert!(e.starts_with("pg_hba.conf line 1"), "{e}");
        let e = HbaConfig::parse("\nbogus all all trust\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
    }
}
