//! Results serialized into a bounded buffer, in the negotiated format.

use super::{QueryError, ResultFormat};
use crate::rdf;
use oxigraph::sparql::results::QueryResultsSerializer;
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults};

#[derive(Debug, thiserror::Error)]
#[error("the results are larger than {0} bytes")]
struct ResultsTooLarge(usize);

pub(super) fn too_large(e: &(dyn std::error::Error + 'static)) -> Option<usize> {
    let io = e.downcast_ref::<std::io::Error>()?;
    io.get_ref()?.downcast_ref::<ResultsTooLarge>().map(|t| t.0)
}

/// An in-memory answer that refuses to grow past its limit.
struct Bounded {
    buffer: Vec<u8>,
    limit: usize,
}

impl std::io::Write for Bounded {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buffer.len() + data.len() > self.limit {
            return Err(std::io::Error::other(ResultsTooLarge(self.limit)));
        }
        self.buffer.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Errors of the query itself (a failing SERVICE, a refused endpoint) are the client's; the
/// store's are ours.
pub(super) fn evaluation_error(e: QueryEvaluationError) -> QueryError {
    match e {
        QueryEvaluationError::Dataset(_) | QueryEvaluationError::Unexpected(_) => {
            QueryError::Internal(e.into())
        }
        QueryEvaluationError::Service(cause) => QueryError::Service(cause.to_string()),
        other => QueryError::Evaluation(other.to_string()),
    }
}

/// Serializes while checking the deadline between solutions: the engine checks it only when it
/// reads the store, and a join computed in memory can stream results without reading it.
pub(super) fn serialize_results(
    results: QueryResults<'_>,
    format: ResultFormat,
    token: &CancellationToken,
    limit: usize,
) -> Result<Vec<u8>, QueryEvaluationError> {
    let sink = || Bounded {
        buffer: Vec::new(),
        limit,
    };
    let alive = || {
        if token.is_cancelled() {
            Err(QueryEvaluationError::Cancelled)
        } else {
            Ok(())
        }
    };
    let io = |e: std::io::Error| QueryEvaluationError::Unexpected(Box::new(e));
    match (results, format) {
        (QueryResults::Boolean(value), ResultFormat::Results(f)) => {
            QueryResultsSerializer::from_format(f)
                .serialize_boolean_to_writer(sink(), value)
                .map(|w| w.buffer)
                .map_err(io)
        }
        (QueryResults::Solutions(solutions), ResultFormat::Results(f)) => {
            let mut writer = QueryResultsSerializer::from_format(f)
                .serialize_solutions_to_writer(sink(), solutions.variables().to_vec())
                .map_err(io)?;
            for solution in solutions {
                alive()?;
                writer.serialize(&solution?).map_err(io)?;
            }
            writer.finish().map(|w| w.buffer).map_err(io)
        }
        (QueryResults::Graph(triples), ResultFormat::Graph(f)) => {
            let mut writer = rdf::serializer(f).for_writer(sink());
            for triple in triples {
                alive()?;
                writer.serialize_triple(&triple?).map_err(io)?;
            }
            writer.finish().map(|w| w.buffer).map_err(io)
        }
        _ => Err(QueryEvaluationError::Unexpected(
            "the result format does not match the query form".into(),
        )),
    }
}
