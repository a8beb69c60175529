//! Identity sources for pg_hba.conf methods other than SCRAM: the unix-socket
//! peer's OS user (`peer`), the TLS client certificate's CN (`cert`,
//! `clientcert=verify-full`).

/// The OS user name of a unix-socket peer (SO_PEERCRED), as PostgreSQL's
/// `peer` method reads it.
pub fn peer_user(socket: &tokio::net::UnixStream) -> Result<String, String> {
    let cred = socket
        .peer_cred()
        .map_err(|e| format!("could not get peer credentials: {e}"))?;
    user_name(cred.uid())
}

/// `getpwuid_r`: the name of a user id.
fn user_name(uid: u32) -> Result<String, String> {
    // libc rather than a crate: one call, and libc is already in the tree
    // (through tokio); the `users`-style crates add more than they save.
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer refers to live, correctly sized storage owned by
    // this frame; `pw_name` is read only when getpwuid_r reported success.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() {
        return Err(format!(
            "could not look up local user ID {uid}: {}",
            if rc == 0 {
                "user does not exist".to_string()
            } else {
                std::io::Error::from_raw_os_error(rc).to_string()
            }
        ));
    }
    // SAFETY: on success pw_name points to a NUL-terminated string inside `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    Ok(name.to_string_lossy().into_owned())
}

/// Applies `unix_socket_permissions` and `unix_socket_group` to a socket file.
pub fn set_socket_access(path: &std::path::Path, mode: u32, group: &str) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| {
        format!(
            "could not set permissions of file \"{}\": {e}",
            path.display()
        )
    })?;
    if group.is_empty() {
        return Ok(());
    }
    let gid = group_id(group)?;
    std::os::unix::fs::chown(path, None, Some(gid))
        .map_err(|e| format!("could not set group of file \"{}\": {e}", path.display()))
}

/// `getgrnam_r`: the id of a group name (or a numeric id).
fn group_id(group: &str) -> Result<u32, String> {
    if let Ok(n) = group.parse::<u32>() {
        return Ok(n);
    }
    let name =
        std::ffi::CString::new(group).map_err(|_| format!("group \"{group}\" does not exist"))?;
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::group = std::ptr::null_mut();
    // SAFETY: as in `user_name`: live, correctly sized buffers; `gr_gid` is
    // read only on success.
    let rc = unsafe {
        libc::getgrnam_r(
            name.as_ptr(),
            &mut grp,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 || result.is_null() {
        return Err(format!("group \"{group}\" does not exist"));
    }
    Ok(grp.gr_gid)
}

/// The first common name (CN) of a DER certificate's subject, as PostgreSQL
/// reads `peer_cn`; None if there is none or it is not valid text.
pub fn certificate_cn(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let cn = cert.subject().iter_common_name().next()?.as_str().ok()?;
    (!cn.is_empty() && !cn.contains('\0')).then(|| cn.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_common_name() {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Acme");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "alice");
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        assert_eq!(certificate_cn(cert.der()).as_deref(), Some("alice"));
        assert_eq!(certificate_cn(b"not a certificate"), None);
    }

    #[test]
    fn socket_access_sets_mode_and_group() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sock");
        std::fs::write(&path, "").unwrap();
        let gid = unsafe { libc::getgid() };
        set_socket_access(&path, 0o770, &gid.to_string()).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o770);
        assert_eq!(meta.gid(), gid);
        assert!(set_socket_access(&path, 0o777, "no-such-group-xyz")
            .unwrap_err()
            .contains("does not exist"));
    }

    #[test]
    fn current_user_name_resolves() {
        let uid = unsafe { libc::getuid() };
        let name = user_name(uid).unwrap();
        assert!(!name.is_empty());
    }
}
