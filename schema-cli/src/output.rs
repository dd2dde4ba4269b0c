//! Terminal output: errors with their causes and hints.

use std::fmt;

/// A hint attached to an error: printed as `hint: …` under it.
#[derive(Debug)]
pub struct Hint(pub String);

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Adds `hint: …` lines to errors.
pub trait WithHint<T> {
    /// Attaches a hint shown below the error.
    fn hint(self, hint: impl Into<String>) -> anyhow::Result<T>;
}

impl<T, E: Into<anyhow::Error>> WithHint<T> for Result<T, E> {
    fn hint(self, hint: impl Into<String>) -> anyhow::Result<T> {
        self.map_err(|error| {
            let error: anyhow::Error = error.into();
            error.context(Hint(hint.into()))
        })
    }
}

/// Prints an error chain to stderr: `error:`, `caused by:` and `hint:` lines.
pub fn print_error(error: &anyhow::Error) {
    eprint!("{}", render_error(error));
}

/// The text [`print_error`] prints.
pub fn render_error(error: &anyhow::Error) -> String {
    let hint = error.downcast_ref::<Hint>().map(|h| h.0.clone());
    let mut out = String::new();
    let messages = error
        .chain()
        .map(ToString::to_string)
        .filter(|message| Some(message) != hint.as_ref());
    for (i, message) in messages.enumerate() {
        let label = if i == 0 { "error" } else { "caused by" };
        out.push_str(&format!("{label}: {message}\n"));
    }
    if let Some(hint) = hint {
        out.push_str(&format!("hint: {hint}\n"));
    }
    out
}
