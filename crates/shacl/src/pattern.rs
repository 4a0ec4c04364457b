//! `sh:pattern`: a regular expression and its XPath flags, compiled once.

/// `regex` runs in linear time and serves most patterns. What it refuses, look-around and
/// back-references, goes to `fancy-regex`, a backtracking engine: XPath regular expressions
/// have neither, but Java and Python validators accept them and published shape sets use them.
#[derive(Debug)]
pub(crate) enum Pattern {
    Linear(regex::Regex),
    Backtracking(fancy_regex::Regex),
}

impl Pattern {
    /// Compiles `pattern` with the XPath `flags` (`s`, `m`, `i`, `x`, and `q` which quotes the
    /// whole pattern; others are ignored). Refused by both engines, the reason given is the
    /// backtracking engine's when it could not parse the pattern, `regex`'s otherwise (the
    /// backtracking engine hands the parts it can to `regex`, whose own message says more).
    pub(crate) fn new(pattern: &str, flags: &str) -> Result<Self, String> {
        let source = if flags.contains('q') {
            regex::escape(pattern)
        } else {
            pattern.to_owned()
        };
        let [i, m, s, x] = ['i', 'm', 's', 'x'].map(|f| flags.contains(f));
        let linear = match regex::RegexBuilder::new(&source)
            .case_insensitive(i)
            .multi_line(m)
            .dot_matches_new_line(s)
            .ignore_whitespace(x)
            .build()
        {
            Ok(re) => return Ok(Self::Linear(re)),
            Err(e) => e,
        };
        fancy_regex::RegexBuilder::new(&source)
            .case_insensitive(i)
            .multi_line(m)
            .dot_matches_new_line(s)
            .ignore_whitespace(x)
            .build()
            .map(Self::Backtracking)
            .map_err(|e| match e {
                fancy_regex::Error::ParseError(..) => e.to_string(),
                _ => one_line(&linear),
            })
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        match self {
            Self::Linear(re) => re.is_match(text),
            // Past the backtracking limit (a pathological pattern on a long value), the value
            // is reported as not matching rather than silently let through.
            Self::Backtracking(re) => re.is_match(text).unwrap_or(false),
        }
    }
}

/// `regex`'s message without its drawing of the pattern: its last line, which says what is wrong.
fn one_line(error: &regex::Error) -> String {
    let text = error.to_string();
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    last.trim().trim_start_matches("error: ").to_owned()
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn the_linear_engine_serves_what_it_can() {
        let p = Pattern::new("^[A-Z][a-z]+$", "").unwrap();
        assert!(matches!(p, Pattern::Linear(_)));
        assert!(p.is_match("Lyon") && !p.is_match("lyon"));
    }

    #[test]
    fn look_arounds_and_back_references_go_to_the_backtracking_engine() {
        let ahead = Pattern::new("^(?=.*[0-9])[A-Za-z0-9]{8,}$", "").unwrap();
        assert!(matches!(ahead, Pattern::Backtracking(_)));
        assert!(ahead.is_match("abcdefg1") && !ahead.is_match("abcdefgh"));
        let behind = Pattern::new("(?<!-)fr$", "").unwrap();
        assert!(behind.is_match("lieu.fr") && !behind.is_match("lieu-fr"));
        let back = Pattern::new(r"^(\w)\1", "").unwrap();
        assert!(back.is_match("aab") && !back.is_match("abb"));
    }

    #[test]
    fn flags_apply_to_both_engines() {
        assert!(Pattern::new("^abc$", "i").unwrap().is_match("ABC"));
        assert!(Pattern::new(r"^(a)\1$", "i").unwrap().is_match("aA"));
        assert!(Pattern::new("a.c", "s").unwrap().is_match("a\nc"));
        assert!(Pattern::new(r"(?=a)a.c", "s").unwrap().is_match("a\nc"));
        assert!(Pattern::new("^b$", "m").unwrap().is_match("a\nb"));
        assert!(Pattern::new("a+(", "q").unwrap().is_match("xa+(y"));
    }

    #[test]
    fn a_pattern_no_engine_accepts_is_refused_with_a_reason() {
        let error = Pattern::new("(unclosed", "").unwrap_err();
        assert!(
            error.contains("parenthesis") && !error.contains('\n'),
            "{error}"
        );
        let error = Pattern::new("[z-a]", "").unwrap_err();
        assert_eq!(
            error,
            "invalid character class range, the start must be <= the end"
        );
    }
}
