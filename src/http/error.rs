//! The one error type of the service. Each variant maps to a status code and a problem body
//! (RFC 9457 `application/problem+json`); internal causes are logged, never sent.

use crate::rdf::SyntaxError;
use crate::sparql::QueryError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    /// A syntax error in a request body or query, with its position.
    #[error("{what}: {error}")]
    Syntax {
        what: &'static str,
        error: SyntaxError,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("none of the media types in Accept is available here; available: {}", .0.join(", "))]
    NotAcceptable(Vec<&'static str>),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("the request body is larger than the limit of {0} bytes")]
    PayloadTooLarge(usize),
    /// `given` says what is wrong with the Content-Type.
    #[error("unsupported media type: {given}; accepted: {}", accepted.join(", "))]
    UnsupportedMediaType {
        given: String,
        accepted: Vec<&'static str>,
    },
    /// The data does not conform to the shapes; the body is the validation report (JSON-LD).
    #[error("the data does not conform to the shapes")]
    Invalid { report_jsonld: Vec<u8> },
    #[error("the request took longer than the server waits for one: send it faster or split it")]
    RequestTimeout,
    #[error("the query was stopped after the {}-second timeout", .0.as_secs())]
    Timeout(Duration),
    /// Every query slot is taken (by queries still running, maybe past their timeout).
    #[error("{0}")]
    Busy(String),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl Error {
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::Syntax { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Timeout(_) | Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Each domain error mapped to its answer: the one place that decides status codes.
impl From<QueryError> for Error {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::NotAcceptable(offered) => Self::NotAcceptable(offered),
            QueryError::Timeout(timeout) => Self::Timeout(timeout),
            QueryError::Busy | QueryError::Evicted => Self::Busy(e.to_string()),
            QueryError::Internal(cause) => Self::Internal(cause),
            QueryError::Syntax(_)
            | QueryError::InvalidGraph { .. }
            | QueryError::UnknownFormat { .. }
            | QueryError::UsingTwice
            | QueryError::ResultsTooLarge(_)
            | QueryError::Service(_)
            | QueryError::Evaluation(_)
            | QueryError::Update(_) => Self::BadRequest(e.to_string()),
        }
    }
}

impl From<oxigraph::store::StorageError> for Error {
    fn from(e: oxigraph::store::StorageError) -> Self {
        Self::internal(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::internal(e)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Self::Invalid { report_jsonld } = self {
            return (
                status,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/ld+json"),
                )],
                report_jsonld,
            )
                .into_response();
        }
        if let Self::Internal(cause) = &self {
            tracing::error!(error = ?cause, "internal error");
        }
        let mut body = json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": self.to_string(),
        });
        if let Self::Syntax { error, .. } = &self {
            if let (Some(line), Some(column)) = (error.line, error.column) {
                body["line"] = line.into();
                body["column"] = column.into();
            }
        }
        let mut response = (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            )],
            body.to_string(),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
