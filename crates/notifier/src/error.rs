//! The notifier crate's errors: what an attempt to send ran into, worded without the channel's secrets.

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    /// The channel is not configured (or not usable) in the project's `notification_config`.
    #[error("no channel `{0}` is configured in notification_config")]
    UnknownChannel(String),
    /// Sending failed; the reason names the host, never a webhook's path or a password.
    #[error("{0}")]
    Send(String),
}
