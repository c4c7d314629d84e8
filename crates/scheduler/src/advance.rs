//! The rule that moves a run forward, as a pure function: which block runs become queued, upstream_failed,
//! condition_failed or cancelled, and whether the run is over.

use std::collections::{HashMap, HashSet};

use model::{BlockRunStatus, Dag, RunEvent, RunSettings};

/// One change `advance` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Enqueue(String),
    /// A dynamic child's parents are done: create its instances (one block run per item) in its place.
    Expand(String),
    /// A parent failed or was skipped, in a run that allows blocks to fail.
    UpstreamFail(String),
    /// A parent's conditional returned false (the parent is `condition_failed`), so it will not run either.
    ConditionFail(String),
    /// Not started, and will not start because a block failed (without `allow_blocks_to_fail`).
    Cancel(String),
    /// The run is over: `Complete` or `Fail`.
    Finish(RunEvent),
}

/// The instances of a run's dynamic children, as `advance` needs them: how many of each block's are in each status,
/// and those not queued yet (by name, in the order they were created). Reading this much, not every instance, keeps a
/// pass over a run with 10,000 children cheap.
#[derive(Debug, Clone, Default)]
pub struct Instances {
    pub counts: HashMap<String, HashMap<BlockRunStatus, usize>>,
    /// `(block, instance name)` of each `initial` instance.
    pub waiting: Vec<(String, String)>,
}

/// Given the current status of every pipeline block's own block run (`statuses`) and of the instances of its dynamic
/// children, the steps that move the run forward.
///
/// A block is queued once all its parents completed. After a failure, every block that has not started is
/// cancelled, its descendants included, unless the run allows blocks to fail: then its descendants are
/// `upstream_failed` and independent branches go on. (Mage's server does both: checked with mage-oracle on Mage
/// 0.9.80, the child of a block that raised, or that passed its timeout, ended `cancelled`; `upstream_failed` is set
/// only by its status pass for runs that allow blocks to fail.) With a `block_run_limit`, at most that many block runs are
/// queued or running at once.
///
/// A block whose conditional returned false is `condition_failed`, and so is every block below it (Mage's
/// `PipelineRun.update_block_run_statuses`, which lets a failed parent win: `upstream_failed`). The run completes
/// when every block completed or was `condition_failed` (Mage's `all_blocks_completed`; checked with mage-oracle on
/// Mage 0.9.80: a run whose gated block ended `condition_failed` ended `completed`), and fails when everything has
/// finished otherwise.
///
/// A dynamic child is expanded instead of queued once its parents are done (each parent, for a dynamic child
/// itself, once all its instances are); its own block run then stays `completed` and it counts as done when every
/// instance is. Its queued instances run on after a failure elsewhere, as Mage starts a block's children together
/// (fixtures/mage_dynamic/ORACLE.md R7: the siblings of a failing child completed); instances held back by the block
/// run limit are cancelled.
pub fn advance(
    dag: &Dag,
    statuses: &HashMap<String, BlockRunStatus>,
    instances: &Instances,
    settings: RunSettings,
) -> Vec<Step> {
    let mut status = statuses.clone();
    let mut counts = instances.counts.clone();
    let mut steps = Vec::new();
    let failed = |status: BlockRunStatus| {
        matches!(
            status,
            BlockRunStatus::Failed | BlockRunStatus::UpstreamFailed | BlockRunStatus::Cancelled
        )
    };
    let all_counts = |counts: &HashMap<String, HashMap<BlockRunStatus, usize>>| {
        counts
            .values()
            .flat_map(|by_status| by_status.iter().map(|(s, n)| (*s, *n)))
            .collect::<Vec<_>>()
    };
    let any_failure = status.values().any(|s| failed(*s))
        || all_counts(&counts)
            .iter()
            .any(|(s, n)| *n > 0 && failed(*s));
    let is_active =
        |s: BlockRunStatus| matches!(s, BlockRunStatus::Queued | BlockRunStatus::Running);
    let mut active = status.values().filter(|s| is_active(**s)).count()
        + all_counts(&counts)
            .iter()
            .filter(|(s, _)| is_active(*s))
            .map(|(_, n)| n)
            .sum::<usize>();
    let limit = settings.block_run_limit.map(|limit| limit.max(1) as usize);
    let children = model::dynamic_children(dag.blocks());
    let mut expanding = HashSet::new();
    let of = |status: &HashMap<String, BlockRunStatus>, uuid: &str| {
        status.get(uuid).copied().unwrap_or(BlockRunStatus::Initial)
    };
    // A pipeline block's status as its children see it: an expanded dynamic child's is that of its instances.
    let effective = |status: &HashMap<String, BlockRunStatus>,
                     counts: &HashMap<String, HashMap<BlockRunStatus, usize>>,
                     expanding: &HashSet<String>,
                     uuid: &str| {
        let own = of(status, uuid);
        if expanding.contains(uuid) {
            return BlockRunStatus::Running;
        }
        if !children.contains(uuid) || own != BlockRunStatus::Completed {
            return own;
        }
        let by_status: Vec<(BlockRunStatus, usize)> = counts
            .get(uuid)
            .into_iter()
            .flatten()
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| (*s, *n))
            .collect();
        if by_status.iter().any(|(s, _)| failed(*s)) {
            BlockRunStatus::Failed
        } else if !by_status.iter().all(|(s, _)| s.is_finished()) {
            BlockRunStatus::Running
        } else if !by_status.is_empty()
            && by_status
                .iter()
                .all(|(s, _)| *s == BlockRunStatus::ConditionFailed)
        {
            BlockRunStatus::ConditionFailed
        } else {
            BlockRunStatus::Completed
        }
    };
    for block in dag.blocks() {
        let current = of(&status, &block.uuid);
        if children.contains(&block.uuid) && current == BlockRunStatus::Completed {
            for (_, uuid) in instances
                .waiting
                .iter()
                .filter(|(origin, _)| *origin == block.uuid)
            {
                let next = if any_failure && !settings.allow_blocks_to_fail {
                    Some((Step::Cancel(uuid.clone()), BlockRunStatus::Cancelled))
                } else if limit.is_none_or(|limit| active < limit) {
                    active += 1;
                    Some((Step::Enqueue(uuid.clone()), BlockRunStatus::Queued))
                } else {
                    None
                };
                if let Some((step, new_status)) = next {
                    steps.push(step);
                    let by_status = counts.entry(block.uuid.clone()).or_default();
                    *by_status.entry(BlockRunStatus::Initial).or_default() -= 1;
                    *by_status.entry(new_status).or_default() += 1;
                }
            }
            continue;
        }
        if !matches!(current, BlockRunStatus::Initial | BlockRunStatus::Queued) {
            continue;
        }
        let parents: Vec<BlockRunStatus> = block
            .upstream
            .iter()
            .map(|parent| effective(&status, &counts, &expanding, parent))
            .collect();
        let next = if any_failure && !settings.allow_blocks_to_fail {
            Some((Step::Cancel(block.uuid.clone()), BlockRunStatus::Cancelled))
        } else if parents.iter().any(|s| failed(*s)) {
            Some((
                Step::UpstreamFail(block.uuid.clone()),
                BlockRunStatus::UpstreamFailed,
            ))
        } else if current == BlockRunStatus::Initial
            && parents.contains(&BlockRunStatus::ConditionFailed)
        {
            Some((
                Step::ConditionFail(block.uuid.clone()),
                BlockRunStatus::ConditionFailed,
            ))
        } else if current == BlockRunStatus::Initial
            && parents.iter().all(|s| *s == BlockRunStatus::Completed)
            && children.contains(&block.uuid)
        {
            expanding.insert(block.uuid.clone());
            Some((Step::Expand(block.uuid.clone()), BlockRunStatus::Initial))
        } else if current == BlockRunStatus::Initial
            && parents.iter().all(|s| *s == BlockRunStatus::Completed)
            && limit.is_none_or(|limit| active < limit)
        {
            active += 1;
            Some((Step::Enqueue(block.uuid.clone()), BlockRunStatus::Queued))
        } else {
            None
        };
        if let Some((step, new_status)) = next {
            steps.push(step);
            status.insert(block.uuid.clone(), new_status);
        }
    }
    let instances_finished = all_counts(&counts)
        .iter()
        .all(|(s, n)| *n == 0 || s.is_finished());
    let finished = expanding.is_empty()
        && instances_finished
        && status.values().all(|s| s.is_finished())
        && dag
            .blocks()
            .iter()
            .all(|block| of(&status, &block.uuid).is_finished());
    if finished {
        let succeeded = |s: BlockRunStatus| {
            matches!(
                s,
                BlockRunStatus::Completed | BlockRunStatus::ConditionFailed
            )
        };
        let completed = status.values().all(|s| succeeded(*s))
            && all_counts(&counts)
                .iter()
                .all(|(s, n)| *n == 0 || succeeded(*s));
        steps.push(Step::Finish(if completed {
            RunEvent::Complete
        } else {
            RunEvent::Fail
        }));
    }
    steps
}

#[cfg(test)]
mod tests {
    use model::{Block, BlockType};

    use super::*;

    fn dag(spec: &[(&str, &[&str])]) -> Dag {
        let blocks = spec
            .iter()
            .map(|(uuid, upstream)| {
                let upstream = upstream.iter().map(|u| (*u).to_owned()).collect();
                Block::new(uuid, BlockType::Transformer, upstream)
            })
            .collect();
        Dag::new(blocks).unwrap()
    }

    /// Renders the steps for `statuses` (`uuid=status` pairs; unlisted blocks are initial).
    fn check(
        dag: &Dag,
        statuses: &[(&str, BlockRunStatus)],
        allow_blocks_to_fail: bool,
        expected: &str,
    ) {
        let statuses = statuses
            .iter()
            .map(|(uuid, s)| ((*uuid).to_owned(), *s))
            .collect();
        let settings = RunSettings {
            allow_blocks_to_fail,
            ..RunSettings::default()
        };
        let rendered: Vec<String> = advance(dag, &statuses, &Instances::default(), settings)
            .into_iter()
            .map(|step| match step {
                Step::Enqueue(b) => format!("enqueue {b}"),
                Step::Expand(b) => format!("expand {b}"),
                Step::UpstreamFail(b) => format!("upstream_fail {b}"),
                Step::ConditionFail(b) => format!("condition_fail {b}"),
                Step::Cancel(b) => format!("cancel {b}"),
                Step::Finish(event) => format!("finish {event:?}"),
            })
            .collect();
        assert_eq!(rendered.join(", "), expected);
    }

    use BlockRunStatus::*;

    #[test]
    fn roots_start_and_children_follow_completed_parents() {
        let diamond = dag(&[("a", &[]), ("b", &["a"]), ("c", &["a"]), ("d", &["b", "c"])]);
        check(&diamond, &[], false, "enqueue a");
        check(&diamond, &[("a", Running)], false, "");
        check(&diamond, &[("a", Completed)], false, "enqueue b, enqueue c");
        check(
            &diamond,
            &[("a", Completed), ("b", Completed), ("c", Running)],
            false,
            "",
        );
        check(
            &diamond,
            &[("a", Completed), ("b", Completed), ("c", Completed)],
            false,
            "enqueue d",
        );
        check(
            &diamond,
            &[
                ("a", Completed),
                ("b", Completed),
                ("c", Completed),
                ("d", Completed),
            ],
            false,
            "finish Complete",
        );
    }

    #[test]
    fn a_failure_cancels_what_has_not_started_unless_blocks_may_fail() {
        let two_branches = dag(&[
            ("a", &[]),
            ("b", &["a"]),
            ("c", &["b"]),
            ("x", &[]),
            ("y", &["x"]),
        ]);
        let statuses = [("a", Failed), ("x", Running)];
        check(
            &two_branches,
            &statuses,
            false,
            "cancel b, cancel c, cancel y",
        );
        check(
            &two_branches,
            &statuses,
            true,
            "upstream_fail b, upstream_fail c",
        );
        let statuses = [("a", Failed), ("x", Completed)];
        check(
            &two_branches,
            &statuses,
            false,
            "cancel b, cancel c, cancel y, finish Fail",
        );
        check(
            &two_branches,
            &statuses,
            true,
            "upstream_fail b, upstream_fail c, enqueue y",
        );
    }

    /// Mage 0.9.80 (`update_block_run_statuses`, `all_blocks_completed` in orchestration/db/models/schedules.py):
    /// below a `condition_failed` block everything is `condition_failed`, a failed parent wins, and such a run
    /// completes.
    #[test]
    fn a_false_condition_skips_the_blocks_below_and_the_run_still_completes() {
        let gated = dag(&[
            ("load", &[]),
            ("gated", &["load"]),
            ("below", &["gated"]),
            ("further", &["below"]),
            ("other", &["load"]),
            ("both", &["gated", "broken"]),
            ("broken", &["load"]),
        ]);
        check(
            &gated,
            &[
                ("load", Completed),
                ("gated", ConditionFailed),
                ("other", Running),
                ("broken", Running),
            ],
            false,
            // `both` goes with the parent that decided first, as on Mage's server (fixtures/mage09
            // `cond_mixed_late`, mage-oracle with allow_blocks_to_fail: `condition_failed` when its other parent
            // failed later; `upstream_failed` when both were known at once, as below).
            "condition_fail below, condition_fail further, condition_fail both",
        );
        check(
            &gated,
            &[
                ("load", Completed),
                ("gated", ConditionFailed),
                ("below", ConditionFailed),
                ("further", ConditionFailed),
                ("other", Completed),
                ("broken", Completed),
            ],
            false,
            "condition_fail both, finish Complete",
        );
        check(
            &gated,
            &[
                ("load", Completed),
                ("gated", ConditionFailed),
                ("other", Completed),
                ("broken", Failed),
            ],
            true,
            "condition_fail below, condition_fail further, upstream_fail both, finish Fail",
        );
    }

    #[test]
    fn the_block_run_limit_caps_queued_and_running_blocks() {
        let fan = dag(&[("a", &[]), ("b", &[]), ("c", &[]), ("d", &[])]);
        let statuses: HashMap<String, BlockRunStatus> = HashMap::new();
        let limited = RunSettings {
            block_run_limit: Some(2),
            ..RunSettings::default()
        };
        let steps = advance(&fan, &statuses, &Instances::default(), limited);
        assert_eq!(
            steps,
            [Step::Enqueue("a".to_owned()), Step::Enqueue("b".to_owned())]
        );
        let statuses = [("a", Completed), ("b", Running)]
            .iter()
            .map(|(u, s)| ((*u).to_owned(), *s))
            .collect();
        assert_eq!(
            advance(&fan, &statuses, &Instances::default(), limited),
            [Step::Enqueue("c".to_owned())]
        );
    }

    #[test]
    fn queued_blocks_are_cancelled_after_a_failure() {
        let pair = dag(&[("a", &[]), ("b", &[])]);
        check(
            &pair,
            &[("a", Failed), ("b", Queued)],
            false,
            "cancel b, finish Fail",
        );
        check(&pair, &[("a", Failed), ("b", Queued)], true, "");
    }

    /// A dynamic child (`child` below the dynamic `source`) is expanded, not queued; once expanded, its instances
    /// are queued (within the block run limit) and the block below waits for all of them. After a failure its
    /// queued instances run on (Mage starts a fan-out's children together) while those not yet queued are
    /// cancelled; instances that all skipped (`condition_failed`) skip the block below.
    #[test]
    fn a_dynamic_child_expands_then_its_instances_run() {
        let block = |uuid: &str, upstream: &[&str], configuration| Block {
            configuration,
            ..Block::new(
                uuid,
                BlockType::Transformer,
                upstream.iter().map(|u| (*u).to_owned()).collect(),
            )
        };
        let fan = Dag::new(vec![
            block("source", &[], serde_json::json!({"dynamic": true})),
            block("child", &["source"], serde_json::json!(null)),
            block(
                "next",
                &["child"],
                serde_json::json!({"reduce_output": true}),
            ),
            block("collect", &["next"], serde_json::json!(null)),
        ])
        .unwrap();
        let statuses = |pairs: &[(&str, BlockRunStatus)]| -> HashMap<String, BlockRunStatus> {
            pairs.iter().map(|(u, s)| ((*u).to_owned(), *s)).collect()
        };
        let instances =
            |block: &str, counts: &[(BlockRunStatus, usize)], waiting: &[&str]| Instances {
                counts: HashMap::from([(block.to_owned(), counts.iter().copied().collect())]),
                waiting: waiting
                    .iter()
                    .map(|uuid| (block.to_owned(), (*uuid).to_owned()))
                    .collect(),
            };
        let render = |steps: Vec<Step>| format!("{steps:?}");
        let none = Instances::default();
        assert_eq!(
            render(advance(
                &fan,
                &statuses(&[("source", Completed)]),
                &none,
                RunSettings::default()
            )),
            r#"[Expand("child")]"#
        );
        let limited = RunSettings {
            block_run_limit: Some(2),
            ..RunSettings::default()
        };
        let expanded = statuses(&[("source", Completed), ("child", Completed)]);
        let fresh = instances("child", &[(Initial, 3)], &["child:0", "child:1", "child:2"]);
        assert_eq!(
            render(advance(&fan, &expanded, &fresh, limited)),
            r#"[Enqueue("child:0"), Enqueue("child:1")]"#
        );
        let failing = instances(
            "child",
            &[(Failed, 1), (Queued, 1), (Initial, 1)],
            &["child:2"],
        );
        assert_eq!(
            render(advance(&fan, &expanded, &failing, limited)),
            r#"[Cancel("child:2"), Cancel("next"), Cancel("collect")]"#
        );
        let done = instances("child", &[(Completed, 2), (ConditionFailed, 1)], &[]);
        assert_eq!(
            render(advance(&fan, &expanded, &done, RunSettings::default())),
            r#"[Expand("next")]"#
        );
        let mut next = expanded.clone();
        next.insert("next".to_owned(), Completed);
        let mut skipped = done.clone();
        skipped
            .counts
            .insert("next".to_owned(), HashMap::from([(ConditionFailed, 2)]));
        assert_eq!(
            render(advance(&fan, &next, &skipped, RunSettings::default())),
            r#"[ConditionFail("collect"), Finish(Complete)]"#
        );
    }
}
