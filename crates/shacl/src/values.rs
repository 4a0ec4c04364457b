//! Literal semantics needed by the value-based constraints: lexical validity of
//! XSD datatypes, ordering across compatible types, and language-range matching.

use std::cmp::Ordering;
use std::str::FromStr;

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{LiteralRef, NamedNodeRef, Term};
use oxsdatatypes::{
    Boolean, Date, DateTime, DayTimeDuration, Decimal, Double, Duration, Float, GDay, GMonth,
    GMonthDay, GYear, GYearMonth, Time, YearMonthDuration,
};

/// `sh:datatype` holds only for literals of exactly that datatype whose lexical
/// form is valid for it: an ill-typed `"300"^^xsd:byte` does not conform.
pub(crate) fn has_datatype(term: &Term, datatype: NamedNodeRef<'_>) -> bool {
    match term {
        Term::Literal(l) => l.datatype() == datatype && is_valid_lexical(l.as_ref()),
        _ => false,
    }
}

fn parses<T: FromStr>(s: &str) -> bool {
    s.parse::<T>().is_ok()
}

/// Range of each bounded integer type; `None` bounds are unbounded.
fn integer_range(dt: NamedNodeRef<'_>) -> Option<(Option<i128>, Option<i128>)> {
    let range = match dt {
        d if d == xsd::INTEGER => (None, None),
        d if d == xsd::LONG => (Some(i64::MIN.into()), Some(i64::MAX.into())),
        d if d == xsd::INT => (Some(i32::MIN.into()), Some(i32::MAX.into())),
        d if d == xsd::SHORT => (Some(i16::MIN.into()), Some(i16::MAX.into())),
        d if d == xsd::BYTE => (Some(i8::MIN.into()), Some(i8::MAX.into())),
        d if d == xsd::UNSIGNED_LONG => (Some(0), Some(u64::MAX.into())),
        d if d == xsd::UNSIGNED_INT => (Some(0), Some(u32::MAX.into())),
        d if d == xsd::UNSIGNED_SHORT => (Some(0), Some(u16::MAX.into())),
        d if d == xsd::UNSIGNED_BYTE => (Some(0), Some(u8::MAX.into())),
        d if d == xsd::NON_NEGATIVE_INTEGER => (Some(0), None),
        d if d == xsd::POSITIVE_INTEGER => (Some(1), None),
        d if d == xsd::NON_POSITIVE_INTEGER => (None, Some(0)),
        d if d == xsd::NEGATIVE_INTEGER => (None, Some(-1)),
        _ => return None,
    };
    Some(range)
}

fn valid_integer(s: &str, (min, max): (Option<i128>, Option<i128>)) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match s.parse::<i128>() {
        Ok(v) => min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m),
        // Too large for i128: only acceptable where the type is unbounded on that side.
        Err(_) => {
            if s.starts_with('-') {
                min.is_none()
            } else {
                max.is_none()
            }
        }
    }
}

/// Unknown datatypes are accepted: only XSD types with a defined lexical space are checked.
pub(crate) fn is_valid_lexical(lit: LiteralRef<'_>) -> bool {
    let dt = lit.datatype();
    let s = lit.value();
    if let Some(range) = integer_range(dt) {
        return valid_integer(s, range);
    }
    match dt {
        d if d == rdf::LANG_STRING => lit.language().is_some(),
        d if d == xsd::BOOLEAN => matches!(s, "true" | "false" | "1" | "0"),
        d if d == xsd::DECIMAL => parses::<Decimal>(s),
        d if d == xsd::FLOAT => parses::<Float>(s),
        d if d == xsd::DOUBLE => parses::<Double>(s),
        d if d == xsd::DATE_TIME => parses::<DateTime>(s),
        d if d == xsd::DATE_TIME_STAMP => s
            .parse::<DateTime>()
            .is_ok_and(|v| v.timezone_offset().is_some()),
        d if d == xsd::DATE => parses::<Date>(s),
        d if d == xsd::TIME => parses::<Time>(s),
        d if d == xsd::G_YEAR => parses::<GYear>(s),
        d if d == xsd::G_YEAR_MONTH => parses::<GYearMonth>(s),
        d if d == xsd::G_MONTH => parses::<GMonth>(s),
        d if d == xsd::G_MONTH_DAY => parses::<GMonthDay>(s),
        d if d == xsd::G_DAY => parses::<GDay>(s),
        d if d == xsd::DURATION => parses::<Duration>(s),
        d if d == xsd::DAY_TIME_DURATION => parses::<DayTimeDuration>(s),
        d if d == xsd::YEAR_MONTH_DURATION => parses::<YearMonthDuration>(s),
        _ => true,
    }
}

/// A literal's value in a form where SPARQL's `<` is defined.
enum Value<'a> {
    Decimal(Decimal),
    Double(Double),
    Boolean(bool),
    Str(&'a str),
    DateTime(DateTime),
    Date(Date),
    Time(Time),
    GYear(GYear),
    GYearMonth(GYearMonth),
    Duration(Duration),
}

fn value_of(lit: LiteralRef<'_>) -> Option<Value<'_>> {
    if !is_valid_lexical(lit) {
        return None;
    }
    let dt = lit.datatype();
    let s = lit.value();
    if integer_range(dt).is_some() {
        return match s.parse::<i128>() {
            Ok(v) => Decimal::try_from(v).ok().map(Value::Decimal),
            Err(_) => s.parse::<Double>().ok().map(Value::Double),
        };
    }
    Some(match dt {
        d if d == xsd::DECIMAL => Value::Decimal(s.parse().ok()?),
        d if d == xsd::FLOAT => Value::Double(s.parse::<Float>().ok()?.into()),
        d if d == xsd::DOUBLE => Value::Double(s.parse().ok()?),
        d if d == xsd::BOOLEAN => Value::Boolean(s.parse::<Boolean>().ok()?.into()),
        d if d == xsd::STRING => Value::Str(s),
        d if d == xsd::DATE_TIME || d == xsd::DATE_TIME_STAMP => Value::DateTime(s.parse().ok()?),
        d if d == xsd::DATE => Value::Date(s.parse().ok()?),
        d if d == xsd::TIME => Value::Time(s.parse().ok()?),
        d if d == xsd::G_YEAR => Value::GYear(s.parse().ok()?),
        d if d == xsd::G_YEAR_MONTH => Value::GYearMonth(s.parse().ok()?),
        d if d == xsd::DURATION || d == xsd::DAY_TIME_DURATION || d == xsd::YEAR_MONTH_DURATION => {
            Value::Duration(s.parse().ok()?)
        }
        _ => return None,
    })
}

/// Order of two terms as SPARQL's `<` defines it; `None` when incomparable
/// (different kinds of values, IRIs, ill-typed literals, indeterminate time zones).
pub(crate) fn compare(a: &Term, b: &Term) -> Option<Ordering> {
    let (Term::Literal(a), Term::Literal(b)) = (a, b) else {
        return None;
    };
    match (value_of(a.as_ref())?, value_of(b.as_ref())?) {
        (Value::Decimal(x), Value::Decimal(y)) => x.partial_cmp(&y),
        (Value::Decimal(x), Value::Double(y)) => Double::from(x).partial_cmp(&y),
        (Value::Double(x), Value::Decimal(y)) => x.partial_cmp(&Double::from(y)),
        (Value::Double(x), Value::Double(y)) => x.partial_cmp(&y),
        (Value::Boolean(x), Value::Boolean(y)) => x.partial_cmp(&y),
        (Value::Str(x), Value::Str(y)) => x.partial_cmp(y),
        (Value::DateTime(x), Value::DateTime(y)) => x.partial_cmp(&y),
        (Value::Date(x), Value::Date(y)) => x.partial_cmp(&y),
        (Value::Time(x), Value::Time(y)) => x.partial_cmp(&y),
        (Value::GYear(x), Value::GYear(y)) => x.partial_cmp(&y),
        (Value::GYearMonth(x), Value::GYearMonth(y)) => x.partial_cmp(&y),
        (Value::Duration(x), Value::Duration(y)) => x.partial_cmp(&y),
        _ => None,
    }
}

/// SPARQL `langMatches` (RFC 4647 basic filtering), with `*` matching any tag.
pub(crate) fn lang_matches(tag: &str, range: &str) -> bool {
    if range == "*" {
        return !tag.is_empty();
    }
    tag.len() >= range.len()
        && tag.as_bytes()[..range.len()].eq_ignore_ascii_case(range.as_bytes())
        && (tag.len() == range.len() || tag.as_bytes()[range.len()] == b'-')
}
