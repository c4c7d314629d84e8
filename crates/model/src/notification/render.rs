//! The templating Mage applies to the project's `metadata.yaml` before reading it, as far as notification settings
//! use it: `{{ env_var('NAME') }}` (with an optional default, as `os.getenv` takes one). An unset variable renders as
//! Python's `None`, which Mage then treats as "no webhook".

use serde_json::Value;

use super::EnvLookup;

/// Renders every string inside `value`; an expression Wand does not know is an error naming it.
pub fn render_value(value: &Value, env: &EnvLookup) -> Result<Value, String> {
    Ok(match value {
        Value::String(text) => Value::String(render(text, env)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| render_value(item, env))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| Ok((key.clone(), render_value(item, env)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

fn render(text: &str, env: &EnvLookup) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            return Err(format!("`{text}`: `{{{{` is not closed by `}}}}`"));
        };
        let expression = rest[start + 2..start + end].trim();
        out.push_str(&evaluate(expression, env)?);
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `env_var('NAME')` or `env_var('NAME', 'default')`.
fn evaluate(expression: &str, env: &EnvLookup) -> Result<String, String> {
    let unknown = || {
        format!(
            "`{{{{ {expression} }}}}` is not a template Wand renders here (it renders `{{{{ env_var('NAME') }}}}`)"
        )
    };
    let arguments = expression
        .strip_prefix("env_var")
        .map(str::trim_start)
        .and_then(|rest| rest.strip_prefix('('))
        .and_then(|rest| rest.trim_end().strip_suffix(')'))
        .ok_or_else(unknown)?;
    let mut literals = Vec::new();
    for argument in arguments.split(',') {
        let argument = argument.trim();
        let literal = ['\'', '"']
            .into_iter()
            .find_map(|quote| {
                argument
                    .strip_prefix(quote)
                    .and_then(|inner| inner.strip_suffix(quote))
            })
            .ok_or_else(unknown)?;
        literals.push(literal);
    }
    match literals.as_slice() {
        [name] => Ok(env(name).unwrap_or_else(|| "None".to_owned())),
        [name, default] => Ok(env(name).unwrap_or_else(|| (*default).to_owned())),
        _ => Err(unknown()),
    }
}
