//! Login throttling and failure monitoring (beyond PostgreSQL, which needs
//! the auth_delay extension and log scraping for this).
//!
//! Every failed password login is logged with user and client address. After
//! `login_failure_limit` failures for the same (user, address) within
//! `login_failure_window`, further attempts from that address for that user
//! are refused for `login_lockout` — with the same message as a wrong
//! password, so the lockout reveals nothing — and each failure is answered
//! only after `auth_delay` to slow down guessing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Throttling settings (postgresql.conf keys in parentheses).
#[derive(Clone, Debug)]
pub struct ThrottleConfig {
    /// Failures before lockout (`login_failure_limit`, 0 = never lock).
    pub limit: u32,
    /// Window the failures are counted in (`login_failure_window`).
    pub window: Duration,
    /// Lockout length (`login_lockout`).
    pub lockout: Duration,
    /// Delay before answering a failed attempt (`auth_delay`).
    pub delay: Duration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            limit: 10,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(300),
            delay: Duration::from_millis(500),
        }
    }
}

#[derive(Default)]
struct Record {
    failures: Vec<Instant>,
    last_failure: Option<Instant>,
    locked_until: Option<Instant>,
}

/// One (user, address) with recent failures or a lockout, for `rampart_auth_failures`.
#[derive(Clone, Debug)]
pub struct FailureSnapshot {
    /// Role name tried.
    pub user: String,
    /// Client address (None: unix socket).
    pub addr: Option<IpAddr>,
    /// Failures inside the current window.
    pub recent_failures: usize,
    /// When the last failure happened.
    pub last_failure: Option<Instant>,
    /// End of the lockout, if one is in force.
    pub locked_until: Option<Instant>,
}

/// Failure bookkeeping per (user, client address).
#[derive(Default)]
pub struct Throttle {
    config: ThrottleConfig,
    records: Mutex<HashMap<(String, Option<IpAddr>), Record>>,
}

impl Throttle {
    /// A throttle with these settings.
    pub fn new(config: ThrottleConfig) -> Throttle {
        Throttle {
            config,
            records: Mutex::new(HashMap::new()),
        }
    }

    /// The settings.
    pub fn config(&self) -> &ThrottleConfig {
        &self.config
    }

    /// Whether (user, addr) is locked out now.
    pub fn is_locked(&self, user: &str, addr: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let records = self.records.lock();
        records
            .get(&(user.to_string(), addr))
            .and_then(|r| r.locked_until)
            .is_some_and(|t| t > now)
    }

    /// Records a failure; returns true when this failure starts a lockout.
    pub fn failure(&self, user: &str, addr: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let mut records = self.records.lock();
        if records.len() > 100_000 {
            // Bounded memory under a spray of user names: forget expired records.
            records.retain(|_, r| {
                r.locked_until.is_some_and(|t| t > now)
                    || r.failures
                        .last()
                        .is_some_and(|f| now.duration_since(*f) < self.config.window)
            });
        }
        let r = records.entry((user.to_string(), addr)).or_default();
        r.failures
            .retain(|f| now.duration_since(*f) < self.config.window);
        r.failures.push(now);
        r.last_failure = Some(now);
        if self.config.limit > 0
            && r.failures.len() as u32 >= self.config.limit
            && r.locked_until.is_none_or(|t| t <= now)
        {
            r.locked_until = Some(now + self.config.lockout);
            r.failures.clear();
            return true;
        }
        false
    }

    /// Every (user, address) with failures inside the window or a lockout in force.
    pub fn snapshot(&self) -> Vec<FailureSnapshot> {
        let now = Instant::now();
        let mut out: Vec<FailureSnapshot> = self
            .records
            .lock()
            .iter()
            .filter_map(|((user, addr), r)| {
                let recent = r
                    .failures
                    .iter()
                    .filter(|f| now.duration_since(**f) < self.config.window)
                    .count();
                let locked = r.locked_until.filter(|t| *t > now);
                (recent > 0 || locked.is_some()).then(|| FailureSnapshot {
                    user: user.clone(),
                    addr: *addr,
                    recent_failures: recent,
                    last_failure: r.last_failure,
                    locked_until: locked,
                })
            })
            .collect();
        out.sort_by(|a, b| (&a.user, a.addr).cmp(&(&b.user, b.addr)));
        out
    }

    /// A successful login clears the failure count.
    pub fn success(&self, user: &str, addr: Option<IpAddr>) {
        self.records.lock().remove(&(user.to_string(), addr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_limit_and_success_resets() {
        let t = Throttle::new(ThrottleConfig {
            limit: 3,
            window: Duration::from_secs(60),
            lockout: Duration::from_secs(60),
            delay: Duration::ZERO,
        });
        let a = Some("10.0.0.1".parse().unwrap());
        assert!(!t.failure("alice", a));
        assert!(!t.failure("alice", a));
        assert!(!t.is_locked("alice", a));
        assert!(t.failure("alice", a), "third failure locks");
        assert!(t.is_locked("alice", a));
        assert!(
            !t.is_locked("alice", Some("10.0.0.2".parse().unwrap())),
            "other address unaffected"
        );
        assert!(!t.is_locked("bob", a), "other user unaffected");
        t.success("bob", a);
        assert!(t.is_locked("alice", a));
        let snap = t.snapshot();
        assert_eq!(snap.len(), 1);
        assert_eq!(snap[0].user, "alice");
        assert!(snap[0].locked_until.is_some() && snap[0].last_failure.is_some());
        assert!(!t.failure("bob", None));
        assert_eq!(t.snapshot().len(), 2);
        assert_eq!(t.snapshot()[1].recent_failures, 1);
    }

    #[test]
    fn lockout_ends_and_old_failures_leave_the_window() {
        let t = Throttle::new(ThrottleConfig {
            limit: 2,
            window: Duration::from_millis(200),
            lockout: Duration::from_millis(200),
            delay: Duration::ZERO,
        });
        let a = Some("10.0.0.9".parse().unwrap());
        assert!(!t.failure("carol", a));
        std::thread::sleep(Duration::from_millis(250));
        assert!(!t.failure("carol", a), "the first failure left the window");
        assert!(t.failure("carol", a));
        assert!(t.is_locked("carol", a));
        std::thread::sleep(Duration::from_millis(250));
        assert!(!t.is_locked("carol", a), "the lockout ended");
        assert!(t.snapshot().is_empty(), "nothing recent remains");
    }

    #[test]
    fn zero_limit_never_locks() {
        let t = Throttle::new(ThrottleConfig {
            limit: 0,
            ..Default::default()
        });
        for _ in 0..100 {
            assert!(!t.failure("x", None));
        }
    }
}
