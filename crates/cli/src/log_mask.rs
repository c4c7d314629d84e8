//! Wand's own log (tracing, on standard error) with the secret values this process has opened hidden, whatever
//! message carries them: each event is written whole, once masked.

use std::io::Write;

use model::SharedMask;

/// Makes one writer per log event; the writer masks the event's text when it is done.
#[derive(Clone)]
pub(crate) struct MaskedStderr {
    pub(crate) mask: SharedMask,
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for MaskedStderr {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> EventWriter {
        EventWriter {
            mask: self.mask.clone(),
            text: Vec::new(),
        }
    }
}

/// Collects one event's text and writes it, masked, to standard error when dropped.
pub(crate) struct EventWriter {
    mask: SharedMask,
    text: Vec<u8>,
}

impl Write for EventWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.text.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.text);
        let masked = self.mask.get().apply(&text).into_owned();
        // Nowhere to report a failure to write the log.
        let _ = std::io::stderr().lock().write_all(masked.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::fmt::MakeWriter;

    #[test]
    fn an_event_is_masked_whole() {
        let mask = SharedMask::default();
        mask.extend(&model::Mask::new(["hunter22"]));
        let maker = MaskedStderr { mask };
        let mut writer = maker.make_writer();
        writer.write_all(b"error: password hun").unwrap();
        writer.write_all(b"ter22 refused\n").unwrap();
        assert_eq!(
            maker
                .mask
                .get()
                .apply(&String::from_utf8_lossy(&writer.text)),
            "error: password ****** refused\n"
        );
    }
}
