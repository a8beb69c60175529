//! Address matching for pg_hba.conf: networks, and the server's own
//! interfaces for `samehost` / `samenet`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The mask with the first `bits` bits set, in the family of `like`.
pub fn mask_from_bits(like: IpAddr, bits: u8) -> IpAddr {
    match like {
        IpAddr::V4(_) => {
            let m = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits.min(32)))
            };
            IpAddr::V4(Ipv4Addr::from(m))
        }
        IpAddr::V6(_) => {
            let m = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits.min(128)))
            };
            IpAddr::V6(Ipv6Addr::from(m))
        }
    }
}

/// Whether `a` lies in `net` under `mask`; an IPv4-mapped IPv6 client
/// address is compared as IPv4.
pub fn in_network(a: IpAddr, net: IpAddr, mask: IpAddr) -> bool {
    let a = match (a, net) {
        (IpAddr::V6(v6), IpAddr::V4(_)) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(a),
        _ => a,
    };
    match (a, net, mask) {
        (IpAddr::V4(a), IpAddr::V4(n), IpAddr::V4(m)) => {
            u32::from(a) & u32::from(m) == u32::from(n) & u32::from(m)
        }
        (IpAddr::V6(a), IpAddr::V6(n), IpAddr::V6(m)) => {
            u128::from(a) & u128::from(m) == u128::from(n) & u128::from(m)
        }
        _ => false,
    }
}

/// The server's interface addresses with their netmasks (empty if the
/// interfaces cannot be listed: `samehost`/`samenet` then match nothing).
fn interfaces() -> Vec<(IpAddr, IpAddr)> {
    match if_addrs::get_if_addrs() {
        Ok(list) => list
            .into_iter()
            .map(|i| match i.addr {
                if_addrs::IfAddr::V4(v4) => (IpAddr::V4(v4.ip), IpAddr::V4(v4.netmask)),
                if_addrs::IfAddr::V6(v6) => (IpAddr::V6(v6.ip), IpAddr::V6(v6.netmask)),
            })
            .collect(),
        Err(e) => {
            tracing::warn!("error enumerating network interfaces: {e}");
            Vec::new()
        }
    }
}

/// `samehost`: `a` is one of the server's own addresses.
pub fn is_own_address(a: IpAddr) -> bool {
    interfaces().into_iter().any(|(ip, _)| {
        let all = mask_from_bits(ip, 128);
        in_network(a, ip, all)
    })
}

/// `samenet`: `a` is on a subnet one of the server's interfaces is on.
pub fn is_on_own_network(a: IpAddr) -> bool {
    interfaces()
        .into_iter()
        .any(|(ip, mask)| in_network(a, ip, mask))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_and_masks() {
        let m8 = mask_from_bits(ip("10.0.0.0"), 8);
        assert_eq!(m8, ip("255.0.0.0"));
        assert!(in_network(ip("10.9.8.7"), ip("10.0.0.0"), m8));
        assert!(!in_network(ip("11.0.0.1"), ip("10.0.0.0"), m8));
        assert!(in_network(ip("::ffff:10.1.1.1"), ip("10.0.0.0"), m8));
        assert!(in_network(
            ip("1.2.3.4"),
            ip("0.0.0.0"),
            mask_from_bits(ip("0.0.0.0"), 0)
        ));
        let m64 = mask_from_bits(ip("fe80::"), 64);
        assert!(in_network(ip("fe80::1"), ip("fe80::"), m64));
        assert!(!in_network(ip("fe81::1"), ip("fe80::"), m64));
        assert!(!in_network(ip("10.0.0.1"), ip("fe80::"), m64));
    }

    #[test]
    fn loopback_is_samehost_and_samenet() {
        assert!(is_own_address(ip("127.0.0.1")));
        assert!(is_on_own_network(ip("127.0.0.2")));
        assert!(
            !is_own_address(ip("192.0.2.77")),
            "TEST-NET-1 is no one's address"
        );
    }
}
