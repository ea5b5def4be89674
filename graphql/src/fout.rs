//! Errors of the API: every failure a client sees carries a stable `code` extension and a
//! message in Dutch domain terms. Internal detail (database errors, file paths) is logged
//! with `tracing` and replaced by a generic message.

use async_graphql::ErrorExtensions as _;
use kringloop_events::rules::Afwijzing;
use kringloop_store::StoreError;

/// The stable error codes of the API (the `code` extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoutCode {
    InvalidEvent,
    Conflict,
    NotFound,
    Forbidden,
    Unauthenticated,
    BadRequest,
    /// The server cannot take the work now (its database readers are all busy, or the
    /// request ran past the time limit): try again later. Never a fault of the request.
    Overloaded,
    Internal,
}

impl FoutCode {
    pub fn code(self) -> &'static str {
        match self {
            FoutCode::InvalidEvent => "INVALID_EVENT",
            FoutCode::Conflict => "CONFLICT",
            FoutCode::NotFound => "NOT_FOUND",
            FoutCode::Forbidden => "FORBIDDEN",
            FoutCode::Unauthenticated => "UNAUTHENTICATED",
            FoutCode::BadRequest => "BAD_REQUEST",
            FoutCode::Overloaded => "OVERLOADED",
            FoutCode::Internal => "INTERNAL",
        }
    }
}

/// A failure of an API operation.
///
/// Deliberately not `Display`/`std::error::Error`: async-graphql converts any `Display`
/// type into an error without extensions, and a `?` that silently dropped the `code` would
/// be a bug. Only [`From<ApiFout> for async_graphql::Error`] turns it into a response.
#[derive(Debug, Clone)]
pub enum ApiFout {
    /// The domain rules rejected the fact; nothing was written.
    Afwijzing(Afwijzing),
    Conflict {
        stroom: String,
        verwacht: String,
        actueel: u64,
    },
    /// The idempotency key was used before for another fact (CONFLICT).
    SleutelConflict(String),
    NietGevonden(String),
    Verboden(String),
    NietAangemeld(String),
    OngeldigVerzoek(String),
    /// Too busy to do it now (OVERLOADED).
    Overbelast(String),
    /// Something broke inside; the detail is logged, never returned.
    Intern(String),
}

impl ApiFout {
    /// The message for the client, in Dutch domain terms.
    pub fn melding(&self) -> String {
        match self {
            ApiFout::Afwijzing(a) => a.melding.clone(),
            ApiFout::Conflict {
                stroom,
                verwacht,
                actueel,
            } => format!(
                "versieconflict op stroom `{stroom}`: de stroom staat op versie {actueel}, verwacht was {verwacht}; lees de stroom opnieuw en probeer het nog eens"
            ),
            ApiFout::SleutelConflict(m)
            | ApiFout::Overbelast(m)
            | ApiFout::NietGevonden(m)
            | ApiFout::Verboden(m)
            | ApiFout::NietAangemeld(m)
            | ApiFout::OngeldigVerzoek(m) => m.clone(),
            ApiFout::Intern(_) => {
                "interne fout; de beheerder kan de details in het logboek vinden".to_owned()
            }
        }
    }

    pub fn code(&self) -> FoutCode {
        match self {
            ApiFout::Afwijzing(_) => FoutCode::InvalidEvent,
            ApiFout::Conflict { .. } | ApiFout::SleutelConflict(_) => FoutCode::Conflict,
            ApiFout::Overbelast(_) => FoutCode::Overloaded,
            ApiFout::NietGevonden(_) => FoutCode::NotFound,
            ApiFout::Verboden(_) => FoutCode::Forbidden,
            ApiFout::NietAangemeld(_) => FoutCode::Unauthenticated,
            ApiFout::OngeldigVerzoek(_) => FoutCode::BadRequest,
            ApiFout::Intern(_) => FoutCode::Internal,
        }
    }

    /// An internal failure: logs the detail and returns the generic error.
    pub fn intern(context: &str, detail: impl std::fmt::Display) -> ApiFout {
        tracing::error!(context, error = %detail, "interne fout in de API");
        ApiFout::Intern(context.to_owned())
    }

    pub fn ongeldig(melding: impl Into<String>) -> ApiFout {
        ApiFout::OngeldigVerzoek(melding.into())
    }
}

impl From<StoreError> for ApiFout {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict {
                stream,
                expected,
                actual,
            } => ApiFout::Conflict {
                stroom: stream,
                verwacht: match expected {
                    kringloop_events::ExpectedVersion::Any => "elke versie".to_owned(),
                    kringloop_events::ExpectedVersion::NoStream => "een nieuwe stroom".to_owned(),
                    kringloop_events::ExpectedVersion::StreamExists => {
                        "een bestaande stroom".to_owned()
                    }
                    kringloop_events::ExpectedVersion::Exact(n) => format!("versie {n}"),
                },
                actueel: actual,
            },
            StoreError::Invalid(m) => ApiFout::OngeldigVerzoek(m),
            StoreError::IdempotencyConflict { .. } => ApiFout::SleutelConflict(
                "idempotencyKey is al gebruikt voor een ander verzoek; een nieuw feit krijgt een nieuwe sleutel"
                    .to_owned(),
            ),
            other => ApiFout::intern("event store", other),
        }
    }
}

impl From<ApiFout> for async_graphql::Error {
    fn from(f: ApiFout) -> Self {
        let code = f.code();
        let reden = match &f {
            ApiFout::Afwijzing(a) => Some(a.code.code()),
            _ => None,
        };
        async_graphql::Error::new(f.melding()).extend_with(|_, e| {
            e.set("code", code.code());
            if let Some(r) = reden {
                e.set("reden", r);
            }
        })
    }
}

/// Result type of resolvers.
pub type ApiResult<T> = Result<T, async_graphql::Error>;
