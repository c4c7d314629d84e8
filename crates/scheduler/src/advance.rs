//! The rule that moves a run forward, as a pure function: which block runs become queued, upstream_failed,
//! condition_failed or cancelled, and whether the run is over.

use std::collections::{HashMap, HashSet};

use model::{BlockRunStatus, Dag, DynamicInstance, RunEvent, RunSettings, Source};

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

/// An instance of a dynamic child among a run's block runs.
#[derive(Debug, Clone, Copy)]
pub struct InstanceRow<'a> {
    pub uuid: &'a str,
    pub instance: &'a DynamicInstance,
}

/// Given the current status of every block run (`statuses`, by block-run name, instances included) and which
/// block runs are instances of dynamic children (in the order they were created), the steps that move the run
/// forward.
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
    instances: &[InstanceRow<'_>],
    settings: RunSettings,
) -> Vec<Step> {
    let mut status = statuses.clone();
    let mut steps = Vec::new();
    let failed = |status: BlockRunStatus| {
        matches!(
            status,
            BlockRunStatus::Failed | BlockRunStatus::UpstreamFailed | BlockRunStatus::Cancelled
        )
    };
    let any_failure = status.values().any(|s| failed(*s));
    let mut active = status
        .values()
        .filter(|s| matches!(s, BlockRunStatus::Queued | BlockRunStatus::Running))
        .count();
    let limit = settings.block_run_limit.map(|limit| limit.max(1) as usize);
    let children = model::dynamic_children(dag.blocks());
    let mut expanding = HashSet::new();
    let mut by_block: HashMap<&str, Vec<InstanceRow<'_>>> = HashMap::new();
    for row in instances {
        by_block
            .entry(row.instance.block.as_str())
            .or_default()
            .push(*row);
    }
    let of = |status: &HashMap<String, BlockRunStatus>, uuid: &str| {
        status.get(uuid).copied().unwrap_or(BlockRunStatus::Initial)
    };
    // A pipeline block's status as its children see it: an expanded dynamic child's is that of its instances.
    let effective =
        |status: &HashMap<String, BlockRunStatus>, expanding: &HashSet<String>, uuid: &str| {
            let own = of(status, uuid);
            if expanding.contains(uuid) {
                return BlockRunStatus::Running;
            }
            if !children.contains(uuid) || own != BlockRunStatus::Completed {
                return own;
            }
            let rows = by_block.get(uuid).map(Vec::as_slice).unwrap_or_default();
            let all: Vec<BlockRunStatus> = rows.iter().map(|row| of(status, row.uuid)).collect();
            if all.iter().any(|s| failed(*s)) {
                BlockRunStatus::Failed
            } else if !all.iter().all(|s| s.is_finished()) {
                BlockRunStatus::Running
            } else if !all.is_empty() && all.iter().all(|s| *s == BlockRunStatus::ConditionFailed) {
                BlockRunStatus::ConditionFailed
            } else {
                BlockRunStatus::Completed
            }
        };
    for block in dag.blocks() {
        let current = of(&status, &block.uuid);
        if children.contains(&block.uuid) && current == BlockRunStatus::Completed {
            for row in by_block.get(block.uuid.as_str()).into_iter().flatten() {
                let current = of(&status, row.uuid);
                let parents_skipped = row.instance.sources.iter().any(|source| match source {
                    Source::Instance { uuid } | Source::InstanceItem { uuid, .. } => {
                        of(&status, uuid) == BlockRunStatus::ConditionFailed
                    }
                    Source::Whole | Source::Item { .. } => false,
                });
                let next = if current != BlockRunStatus::Initial {
                    None
                } else if any_failure && !settings.allow_blocks_to_fail {
                    Some((Step::Cancel(row.uuid.to_owned()), BlockRunStatus::Cancelled))
                } else if parents_skipped {
                    Some((
                        Step::ConditionFail(row.uuid.to_owned()),
                        BlockRunStatus::ConditionFailed,
                    ))
                } else if limit.is_none_or(|limit| active < limit) {
                    active += 1;
                    Some((Step::Enqueue(row.uuid.to_owned()), BlockRunStatus::Queued))
                } else {
                    None
                };
                if let Some((step, new_status)) = next {
                    steps.push(step);
                    status.insert(row.uuid.to_owned(), new_status);
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
            .map(|parent| effective(&status, &expanding, parent))
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
    let finished = expanding.is_empty()
        && status.values().all(|s| s.is_finished())
        && dag
            .blocks()
            .iter()
            .all(|block| of(&status, &block.uuid).is_finished());
    if finished {
        let completed = status.values().all(|s| {
            matches!(
                s,
                BlockRunStatus::Completed | BlockRunStatus::ConditionFailed
            )
        });
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
        let rendered: Vec<String> = advance(dag, &statuses, &[], settings)
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
        let steps = advance(&fan, &statuses, &[], limited);
        assert_eq!(
            steps,
            [Step::Enqueue("a".to_owned()), Step::Enqueue("b".to_owned())]
        );
        let statuses = [("a", Completed), ("b", Running)]
            .iter()
            .map(|(u, s)| ((*u).to_owned(), *s))
            .collect();
        assert_eq!(
            advance(&fan, &statuses, &[], limited),
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
    /// cancelled; an instance below a `condition_failed` instance is skipped the same way.
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
        let instance = |block: &str, index: usize, sources: Vec<Source>| DynamicInstance {
            block: block.to_owned(),
            index,
            sources,
        };
        let render = |steps: Vec<Step>| format!("{steps:?}");
        assert_eq!(
            render(advance(
                &fan,
                &statuses(&[("source", Completed)]),
                &[],
                RunSettings::default()
            )),
            r#"[Expand("child")]"#
        );
        let children = [
            instance("child", 0, vec![Source::Item { index: 0 }]),
            instance("child", 1, vec![Source::Item { index: 1 }]),
            instance("child", 2, vec![Source::Item { index: 2 }]),
        ];
        let rows: Vec<InstanceRow<'_>> = ["child:0", "child:1", "child:2"]
            .iter()
            .zip(&children)
            .map(|(uuid, instance)| InstanceRow { uuid, instance })
            .collect();
        let limited = RunSettings {
            block_run_limit: Some(2),
            ..RunSettings::default()
        };
        let expanded = statuses(&[("source", Completed), ("child", Completed)]);
        assert_eq!(
            render(advance(&fan, &expanded, &rows, limited)),
            r#"[Enqueue("child:0"), Enqueue("child:1")]"#
        );
        let failing = statuses(&[
            ("source", Completed),
            ("child", Completed),
            ("child:0", Failed),
            ("child:1", Queued),
        ]);
        assert_eq!(
            render(advance(&fan, &failing, &rows, limited)),
            r#"[Cancel("child:2"), Cancel("next"), Cancel("collect")]"#
        );
        let done = statuses(&[
            ("source", Completed),
            ("child", Completed),
            ("child:0", Completed),
            ("child:1", ConditionFailed),
            ("child:2", Completed),
        ]);
        assert_eq!(
            render(advance(&fan, &done, &rows, RunSettings::default())),
            r#"[Expand("next")]"#
        );
        let below = [
            instance(
                "next",
                0,
                vec![Source::Instance {
                    uuid: "child:0".to_owned(),
                }],
            ),
            instance(
                "next",
                1,
                vec![Source::Instance {
                    uuid: "child:1".to_owned(),
                }],
            ),
        ];
        let mut all = rows.clone();
        all.extend(
            ["next:0", "next:1"]
                .iter()
                .zip(&below)
                .map(|(uuid, instance)| InstanceRow { uuid, instance }),
        );
        let mut next = done.clone();
        next.insert("next".to_owned(), Completed);
        assert_eq!(
            render(advance(&fan, &next, &all, RunSettings::default())),
            r#"[Enqueue("next:0"), ConditionFail("next:1")]"#
        );
    }
}
