//! The errors of the model: a DAG that cannot be built and a status change that is not allowed.

/// Why a set of blocks does not form a valid DAG. Each names the blocks involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DagError {
    #[error("block `{0}` is defined more than once; give each block a unique uuid")]
    DuplicateBlock(String),
    #[error(
        "block `{block}` names upstream block `{upstream}`, which is not in the pipeline; add that block or remove it from `upstream_blocks`"
    )]
    UnknownUpstream { block: String, upstream: String },
    #[error("blocks form a cycle: {}; remove one of these dependencies", .0.join(" -> "))]
    Cycle(Vec<String>),
}

/// A stored status name that is none of the statuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status `{0}`")]
pub struct UnknownStatus(pub String);

/// A status change that the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot apply `{event}` to a {kind} in status `{status}`")]
pub struct InvalidTransition {
    pub kind: &'static str,
    pub status: &'static str,
    pub event: &'static str,
}
