//! How deep a text nests, found without parsing it: the parsers of JSON-LD, Turtle and SPARQL
//! recurse once per level, and a hostile text nested thousands deep would overflow the stack of
//! the thread parsing it, which aborts the whole server. No document or query of ours nests
//! beyond a dozen levels.

/// Deepest nesting accepted in JSON (objects and arrays).
pub const MAX_JSON_DEPTH: usize = 128;
/// Deepest nesting accepted in Turtle, TriG and SPARQL (`(`, `[`, `{` together): a level of
/// theirs costs their parsers more stack than a level of JSON.
pub const MAX_TERSE_DEPTH: usize = 64;

/// Where a text went past its limit (line and column count from 1).
#[derive(Debug, PartialEq, Eq)]
pub struct TooDeep {
    pub max: usize,
    pub line: u64,
    pub column: u64,
}

/// The syntax whose brackets, strings and comments are read.
#[derive(Clone, Copy)]
pub enum Syntax {
    Json,
    /// Turtle, TriG and SPARQL: `#` comments, strings in `"`, `'` and their long forms.
    Terse,
}

impl Syntax {
    fn max(self) -> usize {
        match self {
            Self::Json => MAX_JSON_DEPTH,
            Self::Terse => MAX_TERSE_DEPTH,
        }
    }
}

/// The first place where `text` nests deeper than its syntax allows. Brackets inside IRIs are
/// counted (an IRI-looking `<…>` may be a `<` operator to a SPARQL parser, and then what
/// follows is parsed): an IRI holding brackets only counts more, never less.
pub fn too_deep(text: &[u8], syntax: Syntax) -> Option<TooDeep> {
    let max = syntax.max();
    let terse = matches!(syntax, Syntax::Terse);
    let mut depth = 0usize;
    let (mut line, mut column) = (1u64, 0u64);
    // The quote that opened the current string (with whether it is a long one), and whether
    // the previous byte was a backslash in it.
    let mut string: Option<(u8, bool)> = None;
    let mut escaped = false;
    let mut comment = false;
    let mut i = 0;
    while i < text.len() {
        let byte = text[i];
        if byte == b'\n' {
            line += 1;
            column = 0;
            comment = false;
        } else if byte & 0xC0 != 0x80 {
            column += 1;
        }
        if comment {
            i += 1;
            continue;
        }
        if let Some((quote, long)) = string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == quote {
                if !long {
                    string = None;
                } else if text[i..].starts_with(&[quote; 3]) {
                    string = None;
                    i += 2;
                    column += 2;
                }
            }
            i += 1;
            continue;
        }
        match byte {
            b'"' => {
                let long = terse && text[i..].starts_with(b"\"\"\"");
                string = Some((b'"', long));
                if long {
                    i += 2;
                    column += 2;
                }
            }
            b'\'' if terse => {
                let long = text[i..].starts_with(b"'''");
                string = Some((b'\'', long));
                if long {
                    i += 2;
                    column += 2;
                }
            }
            b'#' if terse && !inside_iri(text, i) => comment = true,
            b'{' | b'[' | b'(' if byte != b'(' || terse => {
                depth += 1;
                if depth > max {
                    return Some(TooDeep { max, line, column });
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether position `at` lies in an IRI: after a `<` with no byte an IRI excludes in between,
/// and before a `>` likewise.
fn inside_iri(text: &[u8], at: usize) -> bool {
    let excluded = |b: &u8| b.is_ascii_whitespace() || b"<>\"{}|^`\\".contains(b);
    let before = text[..at]
        .iter()
        .rev()
        .position(|b| *b == b'<' || excluded(b));
    let opened = before.is_some_and(|p| text[at - 1 - p] == b'<');
    let after = text[at..].iter().position(|b| *b == b'>' || excluded(b));
    opened && after.is_some_and(|p| text[at + p] == b'>')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_depth_counts_objects_and_arrays_outside_strings() {
        let deep = "[".repeat(MAX_JSON_DEPTH + 1);
        assert_eq!(
            too_deep(deep.as_bytes(), Syntax::Json),
            Some(TooDeep {
                max: MAX_JSON_DEPTH,
                line: 1,
                column: MAX_JSON_DEPTH as u64 + 1
            })
        );
        let quoted = format!("{{\"a\": \"{}\"}}", "[".repeat(1000));
        assert_eq!(too_deep(quoted.as_bytes(), Syntax::Json), None);
        assert_eq!(
            too_deep(b"{\"a\": (((((}", Syntax::Json),
            None,
            "no parentheses in JSON"
        );
    }

    #[test]
    fn terse_depth_skips_strings_and_comments_but_not_iris() {
        let nested = |n: usize| {
            format!(
                "SELECT * WHERE {{ FILTER({}1{}) }}",
                "(".repeat(n),
                ")".repeat(n)
            )
        };
        assert_eq!(
            too_deep(nested(MAX_TERSE_DEPTH - 2).as_bytes(), Syntax::Terse),
            None
        );
        let refused = too_deep(nested(5000).as_bytes(), Syntax::Terse).unwrap();
        assert_eq!((refused.line, refused.max), (1, MAX_TERSE_DEPTH));
        let strings = format!(
            "<s> <p> \"{0}\", '{0}', \"\"\"{0}\"\"\" , '''{0}''' . # {0}\n",
            "(".repeat(1000)
        );
        assert_eq!(too_deep(strings.as_bytes(), Syntax::Terse), None);
        // A `#` in an IRI starts no comment: what follows on the line is counted.
        let hidden = format!(
            "<http://x/ns#a> <p> {}1{} .",
            "( ".repeat(100),
            " )".repeat(100)
        );
        assert!(too_deep(hidden.as_bytes(), Syntax::Terse).is_some());
        let escaped = format!("\"\\\"{}\" .", "(".repeat(100));
        assert_eq!(too_deep(escaped.as_bytes(), Syntax::Terse), None);
    }
}
