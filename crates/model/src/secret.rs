//! Secrets as the rest of Wand sees them: what a secret may be named, how large its value may be, and the `Mask`
//! that hides secret values in text a user's code produced (block logs, errors, output previews) and in Wand's own
//! logs. Nothing here encrypts or stores (see `storage::Vault`); a `Mask` never shows what it holds.

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

/// What a secret value becomes in masked text.
pub const MASKED: &str = "******";

/// Values (and lines of values) shorter than this many characters are not masked: hiding every `true`, `1234` or
/// `prod` would garble logs and still not hide a value that short (the same rule as Airflow's
/// `min_length_masked_secret`, whose default is 5).
pub const MIN_MASKED_CHARS: usize = 5;

/// The longest secret name, in characters.
pub const MAX_SECRET_NAME_CHARS: usize = 128;

/// The largest secret value, in bytes.
pub const MAX_SECRET_VALUE_BYTES: usize = 64 * 1024;

/// Checks a secret's name: 1 to 128 letters, digits, `_`, `-` and `.` (what `mage_secret_var('...')` and an
/// environment-variable-like name hold), so it needs no quoting in templates, URLs or shells.
pub fn check_secret_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a secret needs a name".to_owned());
    }
    if name.chars().count() > MAX_SECRET_NAME_CHARS {
        return Err(format!(
            "a secret's name has at most {MAX_SECRET_NAME_CHARS} characters"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(format!(
            "secret name `{name}` holds {bad:?}: use letters, digits, `_`, `-` and `.`"
        ));
    }
    Ok(())
}

/// Checks a secret's value: not empty, at most `MAX_SECRET_VALUE_BYTES`.
pub fn check_secret_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("a secret's value cannot be empty".to_owned());
    }
    if value.len() > MAX_SECRET_VALUE_BYTES {
        return Err(format!(
            "a secret's value has at most {MAX_SECRET_VALUE_BYTES} bytes, this one has {}",
            value.len()
        ));
    }
    Ok(())
}

/// Secret values to hide in text. Each value is hidden as written and in the forms a program prints it in: escaped
/// as in JSON and as in a Python `repr`, and percent-encoded as in a URL; a value of several lines is also hidden
/// line by line, since logs are stored and shown a line at a time. Pieces shorter than `MIN_MASKED_CHARS` are not
/// hidden. A value printed in parts (a slice at a time, or cut by the 64 KiB limit of a log line) is not recognised.
#[derive(Clone, Default)]
pub struct Mask {
    /// What to replace, longest first (so a value is replaced whole before a shorter value inside it).
    needles: Arc<Vec<String>>,
}

impl std::fmt::Debug for Mask {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Mask({} patterns)", self.needles.len())
    }
}

impl Mask {
    /// A mask of `values`.
    pub fn new<I, S>(values: I) -> Mask
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Mask::default().with(values)
    }

    /// This mask and `values`.
    #[must_use]
    pub fn with<I, S>(&self, values: I) -> Mask
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut needles: Vec<String> = self.needles.as_ref().clone();
        for value in values {
            let value = value.as_ref();
            let lines = value.lines().filter(|line| line.trim() != value.trim());
            for piece in std::iter::once(value).chain(lines) {
                for form in forms(piece) {
                    if form.chars().count() >= MIN_MASKED_CHARS && !needles.contains(&form) {
                        needles.push(form);
                    }
                }
            }
        }
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        Mask {
            needles: Arc::new(needles),
        }
    }

    /// Whether the mask hides nothing.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// `text` with every secret value replaced by `MASKED`.
    pub fn apply<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for needle in self.needles.iter() {
            if text.contains(needle.as_str()) {
                text = Cow::Owned(text.replace(needle.as_str(), MASKED));
            }
        }
        text
    }

    /// `text`, masked in place.
    pub fn apply_owned(&self, text: String) -> String {
        match self.apply(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(masked) => masked,
        }
    }

    /// Masks every string in a JSON value, object keys included (numbers and other scalars stay as they are).
    pub fn apply_json(&self, value: &mut serde_json::Value) {
        if self.is_empty() {
            return;
        }
        match value {
            serde_json::Value::String(text) => {
                if let Cow::Owned(masked) = self.apply(text) {
                    *text = masked;
                }
            }
            serde_json::Value::Array(items) => {
                items.iter_mut().for_each(|item| self.apply_json(item))
            }
            serde_json::Value::Object(map) => {
                let masked_keys = map
                    .keys()
                    .any(|key| matches!(self.apply(key), Cow::Owned(_)));
                if masked_keys {
                    *map = std::mem::take(map)
                        .into_iter()
                        .map(|(key, item)| (self.apply_owned(key), item))
                        .collect();
                }
                map.values_mut().for_each(|item| self.apply_json(item));
            }
            serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {
            }
        }
    }
}

/// A mask that changes while it is shared: the secrets one process knows, which its log writer hides in what it
/// writes, as they become known.
#[derive(Debug, Clone, Default)]
pub struct SharedMask {
    current: Arc<RwLock<Mask>>,
}

impl SharedMask {
    /// The mask as it is now.
    pub fn get(&self) -> Mask {
        self.current.read().expect("mask lock").clone()
    }

    /// Adds the patterns of `mask` (a secret deleted stays hidden for the life of the process).
    pub fn extend(&self, mask: &Mask) {
        let mut current = self.current.write().expect("mask lock");
        let missing: Vec<&String> = mask
            .needles
            .iter()
            .filter(|needle| !current.needles.contains(needle))
            .collect();
        if !missing.is_empty() {
            let mut needles = current.needles.as_ref().clone();
            needles.extend(missing.into_iter().cloned());
            needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
            *current = Mask {
                needles: Arc::new(needles),
            };
        }
    }
}

/// The forms a value takes in printed text: itself, escaped in a JSON string, escaped in a Python `repr`, and
/// percent-encoded.
fn forms(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_owned()];
    let json = serde_json::to_string(value).expect("a string serializes");
    forms.push(json[1..json.len() - 1].to_owned());
    forms.push(python_repr_body(value));
    forms.push(percent_encoded(value));
    forms.dedup();
    forms
}

/// What Python's `repr` of `value` holds between its quotes (the single-quoted form).
fn python_repr_body(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// `value` percent-encoded as in a URL's user or password (RFC 3986: all but the unreserved characters).
fn percent_encoded(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(values: &[&str], text: &str, expected: &str) {
        assert_eq!(Mask::new(values).apply(text), expected, "masking {text:?}");
    }

    #[test]
    fn values_are_hidden_as_written_and_as_programs_print_them() {
        check(&["hunter22"], "password=hunter22!", "password=******!");
        check(&["hunter22"], "nothing here", "nothing here");
        // Longest first: a value inside another is not left half visible.
        check(
            &["secret", "secret-longer"],
            "a secret-longer b secret",
            "a ****** b ******",
        );
        // JSON and Python reprs escape quotes and backslashes; URLs percent-encode.
        check(
            &[r#"pa"ss\word"#],
            r#"{"p": "pa\"ss\\word"}"#,
            r#"{"p": "******"}"#,
        );
        check(&["it's-a\\secret"], r"('it\'s-a\\secret',)", "('******',)");
        check(
            &["p@ss word/1"],
            "postgres://u:p%40ss%20word%2F1@db",
            "postgres://u:******@db",
        );
        // A value of several lines is hidden whole, and line by line as a log stores it.
        let pem = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END KEY-----";
        check(&[pem], pem, MASKED);
        check(&[pem], "stdout MIIEvQIBADANBgkqhkiG9w0B", "stdout ******");
        check(
            &[pem],
            r"'-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B",
            r"'******\n******",
        );
    }

    #[test]
    fn short_values_are_not_masked() {
        check(&["abcd"], "abcd efgh", "abcd efgh");
        check(&["abcde"], "abcde efgh", "****** efgh");
        // Characters, not bytes: five characters of two bytes each are masked, four are not.
        check(&["ééééé"], "x ééééé", "x ******");
        check(&["éééé"], "x éééé", "x éééé");
        assert!(Mask::new(["", "1234"]).is_empty());
    }

    #[test]
    fn json_strings_and_keys_are_masked_and_other_values_kept() {
        let mask = Mask::new(["topsecret", "12345"]);
        let mut value = serde_json::json!({
            "rows": [["topsecret", 12345, null, "x topsecret"]],
            "topsecret": true,
            "n": 12345,
        });
        mask.apply_json(&mut value);
        assert_eq!(
            value,
            serde_json::json!({
                "rows": [["******", 12345, null, "x ******"]],
                "******": true,
                "n": 12345,
            })
        );
    }

    #[test]
    fn a_mask_never_shows_its_values() {
        let mask = Mask::new(["topsecret"]);
        assert!(!format!("{mask:?}").contains("topsecret"));
        let shared = SharedMask::default();
        shared.extend(&mask);
        shared.extend(&Mask::new(["another1"]));
        assert_eq!(shared.get().apply("topsecret another1"), "****** ******");
        assert!(!format!("{shared:?}").contains("topsecret"));
    }

    #[test]
    fn names_are_plain() {
        assert_eq!(check_secret_name("pg_password"), Ok(()));
        assert_eq!(check_secret_name("api.key-2"), Ok(()));
        assert!(check_secret_name("").is_err());
        assert!(check_secret_name("has space").unwrap_err().contains("' '"));
        assert!(check_secret_name(&"x".repeat(129)).is_err());
        assert!(check_secret_value("").is_err());
        assert!(check_secret_value(&"x".repeat(64 * 1024 + 1)).is_err());
    }
}
