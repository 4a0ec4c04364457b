//! Rows of a tabular export — a CSV file (read with the `csv` crate: quoted fields, `,` or `;`)
//! or a JSON array of objects — as JSON objects, so that one mapping reads both.

use super::harvest::{FetchContext, Fetched, HarvestError};
use super::record::Record;
use serde_json::{Map, Value};

/// Reads a tabular export (a URL or a path) and maps each row to a record.
pub fn fetch(
    context: &FetchContext<'_>,
    url: &str,
    declared: Option<&str>,
    map: impl Fn(&Map<String, Value>) -> Record,
) -> Result<Fetched, HarvestError> {
    let body = context.fetcher.get(url, "text/csv, application/json")?;
    let format = Format::guess(declared, url, &body)?;
    let rows = rows(url, &body, format)?;
    let mut fetched = Fetched::default();
    fetched.outcome.pages = 1;
    fetched.outcome.read = rows.len();
    fetched.records = rows.iter().map(map).collect();
    (context.progress)(1, fetched.records.len());
    Ok(fetched)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    /// `csv` or `json`; otherwise guessed from the URL's extension, then from the first
    /// character of the body.
    pub fn guess(declared: Option<&str>, url: &str, body: &[u8]) -> Result<Self, HarvestError> {
        match declared.map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => return Ok(Self::Csv),
            Some("json") => return Ok(Self::Json),
            Some(other) => {
                return Err(HarvestError::Config(format!(
                    "unknown format {other:?}: use csv or json"
                )))
            }
            None => {}
        }
        let path = url
            .split(['?', '#'])
            .next()
            .unwrap_or(url)
            .to_ascii_lowercase();
        if path.ends_with(".csv") {
            return Ok(Self::Csv);
        }
        if path.ends_with(".json") {
            return Ok(Self::Json);
        }
        let first = body
            .iter()
            .copied()
            .find(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
        Ok(if matches!(first, Some(b'[' | b'{')) {
            Self::Json
        } else {
            Self::Csv
        })
    }
}

/// The rows of `body`, each an object from column (or key) to value.
pub fn rows(
    url: &str,
    body: &[u8],
    format: Format,
) -> Result<Vec<Map<String, Value>>, HarvestError> {
    match format {
        Format::Csv => csv_rows(url, body),
        Format::Json => json_rows(url, body),
    }
}

fn csv_rows(url: &str, body: &[u8]) -> Result<Vec<Map<String, Value>>, HarvestError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let header = body.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| header.iter().filter(|b| **b == c).count();
    // French spreadsheets export with `;`.
    let delimiter = if count(b';') > count(b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(body);
    let format_error = |e: csv::Error| HarvestError::Format {
        url: url.to_owned(),
        message: format!("invalid CSV: {e}"),
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(format_error)?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(format_error)?;
        let row: Map<String, Value> = headers
            .iter()
            .zip(record.iter())
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), Value::String(v.to_owned())))
            .collect();
        rows.push(row);
    }
    Ok(rows)
}

fn json_rows(url: &str, body: &[u8]) -> Result<Vec<Map<String, Value>>, HarvestError> {
    let document = super::fetch::parse_json(url, body)?;
    let items = match document {
        Value::Array(items) => items,
        // `{"data": […]}`, `{"results": […]}`…: the one list of the document.
        Value::Object(map) => {
            let mut lists: Vec<Value> = map
                .into_iter()
                .map(|(_, v)| v)
                .filter(Value::is_array)
                .collect();
            match (lists.pop(), lists.is_empty()) {
                (Some(Value::Array(items)), true) => items,
                _ => {
                    return Err(HarvestError::Format {
                        url: url.to_owned(),
                        message: "expected a JSON array of objects (or an object holding one)"
                            .into(),
                    })
                }
            }
        }
        _ => {
            return Err(HarvestError::Format {
                url: url.to_owned(),
                message: "expected a JSON array of objects".into(),
            })
        }
    };
    Ok(items
        .into_iter()
        .map(|item| match item {
            Value::Object(map) => map,
            // Reported by the mapping as a record without an id.
            other => Map::from_iter([("".to_owned(), other)]),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_csv_with_either_delimiter() {
        let csv = "\"id\",\"nom\",commune\n\"a\",\"Le « Lieu », bis\",\"Reims\"\n";
        let read = rows("x.csv", csv.as_bytes(), Format::Csv).unwrap();
        assert_eq!(read[0]["nom"], "Le « Lieu », bis");
        let csv = "id;nom\na;Lieu\n";
        let format = Format::guess(None, "x", csv.as_bytes()).unwrap();
        let read = rows("x", csv.as_bytes(), format).unwrap();
        assert_eq!(read[0]["nom"], "Lieu");
    }

    #[test]
    fn json_arrays_alone_or_in_an_object() {
        let rows_of = |s: &str| rows("x.json", s.as_bytes(), Format::Json).unwrap().len();
        assert_eq!(rows_of("[{\"a\": 1}, {\"a\": 2}]"), 2);
        assert_eq!(rows_of("{\"meta\": {}, \"results\": [{\"a\": 1}]}"), 1);
        assert!(rows("x.json", b"{\"a\": [], \"b\": []}", Format::Json).is_err());
    }
}
