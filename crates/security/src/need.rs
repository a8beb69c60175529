//! What a statement needs: (object, privilege, columns).

/// An object privileges apply to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectRef {
    /// The current database.
    Database,
    /// A schema by OID (ordered before objects, so USAGE is checked first).
    Schema(u32),
    /// A sequence by OID.
    Sequence(u32),
    /// A table or view by OID.
    Relation(u32),
    /// A function or procedure by OID.
    Function(u32),
    /// A procedural language (`sql`, `plpgsql`) by `pg_language` OID.
    Language(u32),
    /// A type by `pg_type` OID: a domain, or a built-in type (whose
    /// default ACL, USAGE for PUBLIC, Rampart does not let change).
    Type(u32),
}

/// A privilege, with PostgreSQL's ACL letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Privilege {
    /// `r`
    Select,
    /// `a`
    Insert,
    /// `w`
    Update,
    /// `d`
    Delete,
    /// `D`
    Truncate,
    /// `x`
    References,
    /// `t`
    Trigger,
    /// `U`
    Usage,
    /// `C`
    Create,
    /// `c`
    Connect,
    /// `T`
    Temporary,
    /// `X`
    Execute,
    /// Not a grantable privilege: only the owner (or a superuser) may (ALTER, DROP).
    Ownership,
}

impl Privilege {
    /// The ACL letter PostgreSQL prints in `relacl`.
    pub fn acl_char(self) -> char {
        match self {
            Privilege::Select => 'r',
            Privilege::Insert => 'a',
            Privilege::Update => 'w',
            Privilege::Delete => 'd',
            Privilege::Truncate => 'D',
            Privilege::References => 'x',
            Privilege::Trigger => 't',
            Privilege::Usage => 'U',
            Privilege::Create => 'C',
            Privilege::Connect => 'c',
            Privilege::Temporary => 'T',
            Privilege::Execute => 'X',
            Privilege::Ownership => '*',
        }
    }
}

/// One requirement of a statement.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Need {
    /// The object.
    pub object: ObjectRef,
    /// The privilege.
    pub privilege: Privilege,
    /// Columns the privilege is needed on (empty: the object as a whole).
    pub columns: Vec<String>,
    /// Checked for this role instead of the current user (a view's owner).
    pub as_role: Option<u32>,
    /// Cursor position reported with a denial (the object's name in the statement).
    pub position: Option<u32>,
}

impl Need {
    /// A need on any object, checked for the current user.
    pub fn on(object: ObjectRef, privilege: Privilege) -> Need {
        Need {
            object,
            privilege,
            columns: vec![],
            as_role: None,
            position: None,
        }
    }

    /// A need on a relation.
    pub fn relation(oid: u32, privilege: Privilege, columns: Vec<String>) -> Need {
        Need {
            object: ObjectRef::Relation(oid),
            privilege,
            columns,
            as_role: None,
            position: None,
        }
    }
}
