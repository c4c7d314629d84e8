//! Names people give things (pipelines, blocks, triggers): shown in lists, logs and file names, so one printable
//! line of a sane length. Right-to-left overrides are refused: they make a name read differently from what it is.

/// The longest name, in characters (a file name's limit in bytes on most file systems is 255 too).
pub const MAX_NAME_CHARS: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty; give it one with letters or digits")]
    Empty,
    #[error("the name has {0} characters; keep it to {MAX_NAME_CHARS}")]
    TooLong(usize),
    #[error("the name contains the control character {0}; names are one line of printable text")]
    Control(String),
    #[error(
        "the name contains the bidirectional formatting character {0}, which makes text display in another order than it is written; remove it"
    )]
    Bidirectional(String),
}

/// Checks a name as given (surrounding spaces are the caller's to trim).
pub fn check_name(name: &str) -> Result<(), NameError> {
    if name.trim().is_empty() {
        return Err(NameError::Empty);
    }
    let count = name.chars().count();
    if count > MAX_NAME_CHARS {
        return Err(NameError::TooLong(count));
    }
    let code = |c: char| format!("U+{:04X}", u32::from(c));
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(NameError::Control(code(c)));
    }
    // Embeddings and overrides (U+202A to U+202E) and isolates (U+2066 to U+2069).
    if let Some(c) = name
        .chars()
        .find(|c| matches!(u32::from(*c), 0x202A..=0x202E | 0x2066..=0x2069))
    {
        return Err(NameError::Bidirectional(code(c)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in [
            "nightly",
            "Daily ETL (EU) — v2",
            "数据管道",
            "שם בעברית",
            &"a".repeat(255),
        ] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        let cases = [
            ("", NameError::Empty),
            ("   ", NameError::Empty),
            (&"a".repeat(256) as &str, NameError::TooLong(256)),
            ("two\nlines", NameError::Control("U+000A".into())),
            ("tab\there", NameError::Control("U+0009".into())),
            ("nul\0", NameError::Control("U+0000".into())),
            (
                "invoice\u{202E}fdp.exe",
                NameError::Bidirectional("U+202E".into()),
            ),
            ("x\u{2067}y", NameError::Bidirectional("U+2067".into())),
        ];
        for (name, expected) in cases {
            assert_eq!(check_name(name), Err(expected), "{name:?}");
        }
    }
}
