//! PL/pgSQL: the subset applications and PostgreSQL's security tests use
//! (see `ast.rs` for the statements). [`parse`] checks a body at CREATE
//! time; [`exec::run`] interprets it through [`crate::func::spi::Spi`].

pub mod ast;
pub mod exec;
pub mod parse;

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;
use rampart_types::PgResult;

/// Parsed bodies by their text and argument names (parsing is pure, so a
/// process-wide cache is safe; it is bounded by clearing when it grows).
type BodyCache = HashMap<(String, Vec<String>), Arc<ast::Block>>;

static CACHE: Mutex<Option<BodyCache>> = Mutex::new(None);

/// Parses a body, reusing an earlier parse of the same text.
pub fn compile(body: &str, args: &[String], name: &str) -> PgResult<Arc<ast::Block>> {
    let key = (body.to_string(), args.to_vec());
    if let Some(b) = CACHE.lock().as_ref().and_then(|c| c.get(&key)) {
        return Ok(b.clone());
    }
    let block = Arc::new(parse::parse_body(body, args, name)?);
    let mut cache = CACHE.lock();
    let map = cache.get_or_insert_with(HashMap::new);
    if map.len() > 1000 {
        map.clear();
    }
    map.insert(key, block.clone());
    Ok(block)
}
