//! How one attempt's outcome changes its block run, as a pure function: completed with its stored outputs,
//! cancelled, queued for a sensor's next check, or failed (queued again while retries are left). It reads no clock
//! and no database: the caller passes the time in and records the change.

use std::time::Duration;

use chrono::{DateTime, Utc};
use model::{BlockOutputs, BlockRunEvent, RetryConfig};
use runtime::{BlockOutcome, FailureReason};
use storage::BlockRunChange;

use crate::run::MAX_QUESTION_ROUNDS;

/// What an attempt's outcome is judged against.
#[derive(Debug, Clone)]
pub(crate) struct Attempt<'a> {
    /// 1 for the first attempt.
    pub(crate) number: i64,
    pub(crate) retry: &'a RetryConfig,
    /// The block's timeout in seconds; for a sensor it bounds the whole wait, from its first check.
    pub(crate) timeout: Option<f64>,
    /// When a waiting sensor's first check started (the block run's `waiting_since`, else when this attempt
    /// started).
    pub(crate) first_check: Option<DateTime<Utc>>,
    /// How long a sensor whose check did not hold waits before its next check.
    pub(crate) sensor_interval: Duration,
    /// The block's log file, recorded with every change.
    pub(crate) log_path: Option<String>,
    /// How long the attempt ran.
    pub(crate) elapsed: Duration,
    /// Whether the block has callbacks: a cancelled attempt in a cancelled run has its `cancelled` callbacks run
    /// afterwards (see `storage::BlockRunChange::cancelled_callbacks`).
    pub(crate) callbacks: bool,
    pub(crate) now: DateTime<Utc>,
}

/// The change to record for `outcome` (`Err`: the block could not run at all), and the detail announced with it.
pub(crate) fn change_for(
    outcome: Result<BlockOutcome, String>,
    attempt: &Attempt<'_>,
) -> (BlockRunChange, String) {
    let failure = match outcome {
        Ok(BlockOutcome::Completed {
            outputs,
            callback_errors,
            ..
        }) => return completed(outputs, callback_errors, attempt),
        Ok(BlockOutcome::Cancelled) => {
            let change = BlockRunChange {
                cancelled_callbacks: attempt.callbacks,
                ..change(BlockRunEvent::Cancel, attempt)
            };
            return (change, String::new());
        }
        Ok(BlockOutcome::ConditionFailed) => {
            let detail = "(a conditional returned false)".to_owned();
            return (change(BlockRunEvent::ConditionFail, attempt), detail);
        }
        Ok(BlockOutcome::Waiting) => return wait(attempt),
        Ok(BlockOutcome::Failed {
            error,
            traceback,
            reason,
        }) => Failure {
            message: match traceback {
                Some(traceback) => format!("{error}\n{traceback}"),
                None => error.clone(),
            },
            summary: error,
            // Mage's scheduler kills a block run past its timeout and marks it failed; its retries are the job's
            // own, so none follow (checked with mage-oracle on Mage 0.9.80: timeout 3 s, retries 2, one attempt).
            retryable: reason != Some(FailureReason::Timeout),
        },
        Ok(BlockOutcome::CallbacksRan { .. }) => Failure::plain(
            "the runtime ran the block's cancelled callbacks instead of the block".to_owned(),
        ),
        Ok(BlockOutcome::Asks { .. }) => Failure::plain(format!(
            "the block asked about the run history more than {MAX_QUESTION_ROUNDS} times in one check"
        )),
        Err(error) => Failure::plain(format!("the block could not run: {error}")),
    };
    retry_or_fail(failure, attempt)
}

/// Why an attempt failed: the whole message is recorded, the summary announced.
struct Failure {
    message: String,
    summary: String,
    /// Whether the block's retries apply (not to a block stopped at its timeout, as in Mage).
    retryable: bool,
}

impl Failure {
    fn plain(message: String) -> Failure {
        Failure {
            summary: message.clone(),
            message,
            retryable: true,
        }
    }
}

/// The stored outputs, with the side effects the block asked for (`set_global_variable`) kept with them. A callback
/// that failed leaves the block run completed, as in Mage (its executor logs the callback's exception and goes on),
/// and is recorded as the block run's error so that the run shows it.
fn completed(
    outputs: BlockOutputs,
    callback_errors: Vec<String>,
    attempt: &Attempt<'_>,
) -> (BlockRunChange, String) {
    let error = (!callback_errors.is_empty()).then(|| callback_errors.join("\n"));
    let detail = match callback_errors.len() {
        0 => elapsed(attempt),
        failed => format!("{} ({failed} callback(s) failed)", elapsed(attempt)),
    };
    let change = BlockRunChange {
        outputs: Some(outputs),
        error,
        ..change(BlockRunEvent::Complete, attempt)
    };
    (change, detail)
}

/// A sensor's check that did not hold: queued for the next check one interval later, holding no process and no
/// slot meanwhile (the wait is no attempt). As in Mage, whose timeout covers a sensor's sleeping loop, the block's
/// `timeout` bounds the whole wait from its first check: a next check that would come after it fails the block run
/// now.
fn wait(attempt: &Attempt<'_>) -> (BlockRunChange, String) {
    let now = attempt.now;
    let next_check = chrono::Duration::from_std(attempt.sensor_interval)
        .ok()
        .and_then(|interval| now.checked_add_signed(interval))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let first_check = attempt.first_check.unwrap_or(now);
    if let Some(timeout) = attempt.timeout
        && next_check >= first_check + chrono::Duration::milliseconds((timeout * 1000.0) as i64)
    {
        let message = format!("the sensor did not hold within its timeout of {timeout} s");
        let change = BlockRunChange {
            error: Some(message.clone()),
            ..change(BlockRunEvent::Fail, attempt)
        };
        return (change, message);
    }
    let change = BlockRunChange {
        ready_at: Some(next_check),
        ..change(BlockRunEvent::Wait, attempt)
    };
    let at = next_check.with_timezone(&chrono::Local).format("%H:%M:%S");
    (change, format!("(waiting: next check at {at})"))
}

/// A failed attempt: queued again after the retry delay while retries are left (and apply), else failed.
fn retry_or_fail(failure: Failure, attempt: &Attempt<'_>) -> (BlockRunChange, String) {
    let Failure {
        message,
        summary,
        retryable,
    } = failure;
    let retries = i64::from(attempt.retry.retries.unwrap_or(0));
    if retryable && attempt.number <= retries {
        let delay = attempt
            .retry
            .delay_before(u32::try_from(attempt.number).unwrap_or(u32::MAX));
        let change = BlockRunChange {
            error: Some(message),
            ready_at: Some(attempt.now + chrono::Duration::milliseconds((delay * 1000.0) as i64)),
            ..change(BlockRunEvent::Requeue, attempt)
        };
        return (change, format!("{summary}; retrying in {delay:.0}s"));
    }
    let change = BlockRunChange {
        error: Some(message),
        ..change(BlockRunEvent::Fail, attempt)
    };
    (change, format!("{}: {summary}", elapsed(attempt)))
}

/// `event`, with the attempt's log.
fn change(event: BlockRunEvent, attempt: &Attempt<'_>) -> BlockRunChange {
    BlockRunChange {
        log_path: attempt.log_path.clone(),
        ..BlockRunChange::event(event)
    }
}

fn elapsed(attempt: &Attempt<'_>) -> String {
    format!("in {:.2}s", attempt.elapsed.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    const LOG: &str = "runs/etl/7/logs/load.log";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    /// The first attempt of a block without retries or timeout, which ran 1.5 s; a sensor checks every 60 s.
    fn first_attempt(retry: &RetryConfig) -> Attempt<'_> {
        Attempt {
            number: 1,
            retry,
            timeout: None,
            first_check: Some(now()),
            sensor_interval: Duration::from_secs(60),
            log_path: Some(LOG.to_owned()),
            elapsed: Duration::from_millis(1500),
            callbacks: false,
            now: now(),
        }
    }

    fn retries(retries: u32) -> RetryConfig {
        RetryConfig {
            retries: Some(retries),
            delay: Some(5.0),
            max_delay: Some(60.0),
            exponential_backoff: Some(true),
        }
    }

    /// Renders the change for `outcome` as `event [ready_at=now+Ns] [error=..] [outputs=..] | detail`; the local
    /// time in a waiting sensor's detail reads `<time>`. Every change carries the attempt's log.
    fn check(outcome: Result<BlockOutcome, String>, attempt: &Attempt<'_>, expected: &str) {
        let (change, detail) = change_for(outcome, attempt);
        assert_eq!(
            change.log_path, attempt.log_path,
            "every change keeps the log"
        );
        let mut parts = vec![format!("{:?}", change.event)];
        if let Some(ready_at) = change.ready_at {
            let after = (ready_at - attempt.now).num_milliseconds() as f64 / 1000.0;
            parts.push(format!("ready_at=now+{after}s"));
        }
        if let Some(error) = &change.error {
            parts.push(format!("error={error:?}"));
        }
        if change.cancelled_callbacks {
            parts.push("cancelled_callbacks".to_owned());
        }
        if let Some(outputs) = &change.outputs {
            parts.push(format!(
                "outputs={}",
                serde_json::to_string(outputs).unwrap()
            ));
        }
        let detail = match change.ready_at {
            Some(ready_at) => detail.replace(
                &ready_at
                    .with_timezone(&chrono::Local)
                    .format("%H:%M:%S")
                    .to_string(),
                "<time>",
            ),
            None => detail,
        };
        assert_eq!(format!("{} | {detail}", parts.join(" ")), expected);
    }

    fn failed(traceback: Option<&str>) -> Result<BlockOutcome, String> {
        Ok(BlockOutcome::Failed {
            error: "ValueError: no rows".to_owned(),
            traceback: traceback.map(str::to_owned),
            reason: None,
        })
    }

    fn completed(effects: Value) -> Result<BlockOutcome, String> {
        let outputs = json!({"container": "single", "outputs": [
            {"name": "output_0", "kind": "json", "path": "out/0.json"}], "effects": effects});
        Ok(BlockOutcome::Completed {
            outputs: serde_json::from_value(outputs).unwrap(),
            tests: 0,
            callback_errors: Vec::new(),
        })
    }

    #[test]
    fn a_completed_block_records_its_outputs_and_the_effects_it_asked_for() {
        let retry = RetryConfig::default();
        let attempt = first_attempt(&retry);
        let stored = r#"{"container":"single","outputs":[{"name":"output_0","kind":"json","path":"out/0.json"}]}"#;
        check(
            completed(json!({})),
            &attempt,
            &format!("Complete outputs={stored} | in 1.50s"),
        );
        check(
            completed(
                json!({"set_global_variable": [{"pipeline_uuid": "p", "key": "region", "value": "eu"}]}),
            ),
            &attempt,
            r#"Complete outputs={"container":"single","outputs":[{"name":"output_0","kind":"json","path":"out/0.json"}],"effects":{"set_global_variable":[{"pipeline_uuid":"p","key":"region","value":"eu"}]}} | in 1.50s"#,
        );
        check(Ok(BlockOutcome::Cancelled), &attempt, "Cancel | ");
        // A block with callbacks: stopped by a cancel, its `cancelled` callbacks become due (if its run was
        // cancelled; storage checks that).
        let with_callbacks = Attempt {
            callbacks: true,
            ..attempt.clone()
        };
        check(
            Ok(BlockOutcome::Cancelled),
            &with_callbacks,
            "Cancel cancelled_callbacks | ",
        );
        check(
            Ok(BlockOutcome::CallbacksRan {
                callback_errors: Vec::new(),
            }),
            &attempt,
            "Fail error=\"the runtime ran the block's cancelled callbacks instead of the block\" | in 1.50s: the \
             runtime ran the block's cancelled callbacks instead of the block",
        );
        check(
            Ok(BlockOutcome::ConditionFailed),
            &attempt,
            "ConditionFail | (a conditional returned false)",
        );
    }

    /// Mage 0.9.80's `BlockExecutor.execute_callback` logs a callback's exception and leaves the block's status
    /// as it was.
    #[test]
    fn a_failed_callback_is_recorded_and_the_block_run_stays_completed() {
        let retry = RetryConfig::default();
        let attempt = first_attempt(&retry);
        let Ok(BlockOutcome::Completed { outputs, tests, .. }) = completed(json!({})) else {
            unreachable!("completed() builds a completed outcome")
        };
        let outcome = Ok(BlockOutcome::Completed {
            outputs,
            tests,
            callback_errors: vec!["callback `notify` failed: KeyError: 'url'".to_owned()],
        });
        let stored = r#"{"container":"single","outputs":[{"name":"output_0","kind":"json","path":"out/0.json"}]}"#;
        check(
            outcome,
            &attempt,
            &format!(
                r#"Complete error="callback `notify` failed: KeyError: 'url'" outputs={stored} | in 1.50s (1 callback(s) failed)"#
            ),
        );
    }

    #[test]
    fn every_kind_of_failure_fails_the_block_run_when_no_retries_are_left() {
        let retry = RetryConfig::default();
        let attempt = first_attempt(&retry);
        check(
            failed(Some("Traceback (most recent call last): ...")),
            &attempt,
            r#"Fail error="ValueError: no rows\nTraceback (most recent call last): ..." | in 1.50s: ValueError: no rows"#,
        );
        check(
            failed(None),
            &attempt,
            r#"Fail error="ValueError: no rows" | in 1.50s: ValueError: no rows"#,
        );
        check(
            Ok(BlockOutcome::Failed {
                error: "the block ran longer than its timeout of 2 s".to_owned(),
                traceback: None,
                reason: Some(FailureReason::Timeout),
            }),
            &attempt,
            r#"Fail error="the block ran longer than its timeout of 2 s" | in 1.50s: the block ran longer than its timeout of 2 s"#,
        );
        check(
            Ok(BlockOutcome::Asks {
                queries: Vec::new(),
            }),
            &attempt,
            r#"Fail error="the block asked about the run history more than 8 times in one check" | in 1.50s: the block asked about the run history more than 8 times in one check"#,
        );
        check(
            Err("python exited".to_owned()),
            &attempt,
            r#"Fail error="the block could not run: python exited" | in 1.50s: the block could not run: python exited"#,
        );
    }

    #[test]
    fn a_failed_attempt_is_queued_again_after_the_retry_delay_while_retries_are_left() {
        let retry = retries(2);
        let second = Attempt {
            number: 2,
            ..first_attempt(&retry)
        };
        let third = Attempt {
            number: 3,
            ..first_attempt(&retry)
        };
        check(
            failed(Some("Traceback ...")),
            &first_attempt(&retry),
            r#"Requeue ready_at=now+5s error="ValueError: no rows\nTraceback ..." | ValueError: no rows; retrying in 5s"#,
        );
        check(
            failed(None),
            &second,
            r#"Requeue ready_at=now+10s error="ValueError: no rows" | ValueError: no rows; retrying in 10s"#,
        );
        check(
            failed(None),
            &third,
            r#"Fail error="ValueError: no rows" | in 1.50s: ValueError: no rows"#,
        );
        check(
            Err("python exited".to_owned()),
            &second,
            r#"Requeue ready_at=now+10s error="the block could not run: python exited" | the block could not run: python exited; retrying in 10s"#,
        );
        check(
            Ok(BlockOutcome::Asks {
                queries: Vec::new(),
            }),
            &first_attempt(&retry),
            r#"Requeue ready_at=now+5s error="the block asked about the run history more than 8 times in one check" | the block asked about the run history more than 8 times in one check; retrying in 5s"#,
        );
        // A block stopped at its timeout is not retried, as in Mage (checked with mage-oracle on Mage 0.9.80: a block
        // with timeout 3 s and retries 2 that sleeps 40 s ran once and failed).
        check(
            Ok(BlockOutcome::Failed {
                error: "the block ran longer than its timeout of 3 s".to_owned(),
                traceback: None,
                reason: Some(FailureReason::Timeout),
            }),
            &first_attempt(&retry),
            r#"Fail error="the block ran longer than its timeout of 3 s" | in 1.50s: the block ran longer than its timeout of 3 s"#,
        );
        let flat = RetryConfig {
            exponential_backoff: Some(false),
            max_delay: Some(3.0),
            ..retries(4)
        };
        check(
            failed(None),
            &Attempt {
                number: 3,
                ..first_attempt(&flat)
            },
            r#"Requeue ready_at=now+3s error="ValueError: no rows" | ValueError: no rows; retrying in 3s"#,
        );
    }

    #[test]
    fn a_sensor_that_does_not_hold_waits_for_its_next_check_until_its_timeout() {
        let retry = retries(2);
        let attempt = first_attempt(&retry);
        check(
            Ok(BlockOutcome::Waiting),
            &attempt,
            "Wait ready_at=now+60s | (waiting: next check at <time>)",
        );
        let within = Attempt {
            timeout: Some(90.0),
            first_check: Some(now() - chrono::Duration::seconds(20)),
            ..first_attempt(&retry)
        };
        check(
            Ok(BlockOutcome::Waiting),
            &within,
            "Wait ready_at=now+60s | (waiting: next check at <time>)",
        );
        // The next check would come 100 s after the first: past the timeout, so the sensor fails now, retries or not.
        let past = Attempt {
            first_check: Some(now() - chrono::Duration::seconds(40)),
            ..within.clone()
        };
        check(
            Ok(BlockOutcome::Waiting),
            &past,
            r#"Fail error="the sensor did not hold within its timeout of 90 s" | the sensor did not hold within its timeout of 90 s"#,
        );
        // A first check (no `waiting_since` nor start recorded) counts from now.
        let unknown_start = Attempt {
            timeout: Some(30.0),
            first_check: None,
            ..first_attempt(&retry)
        };
        check(
            Ok(BlockOutcome::Waiting),
            &unknown_start,
            r#"Fail error="the sensor did not hold within its timeout of 30 s" | the sensor did not hold within its timeout of 30 s"#,
        );
    }
}
