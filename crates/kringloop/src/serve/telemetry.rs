//! Telemetry: OpenTelemetry OTLP export (HTTP/protobuf) of the tracing spans, only when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set; nothing at all when it is not.
//!
//! The exporter reads the standard `OTEL_*` variables itself (endpoint, headers,
//! `OTEL_SERVICE_NAME`, …); the service name defaults to `kringloop`.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

/// Keeps the tracer provider alive; flushes the last spans when dropped.
pub struct Telemetry(Option<SdkTracerProvider>);

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(p) = self.0.take()
            && let Err(e) = p.shutdown()
        {
            eprintln!("OpenTelemetry afsluiten: {e}");
        }
    }
}

/// The OpenTelemetry layer when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
pub fn otel_layer<S>() -> (Option<Box<dyn Layer<S> + Send + Sync>>, Telemetry)
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
{
    let Some(endpoint) = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .filter(|e| !e.trim().is_empty())
    else {
        return (None, Telemetry(None));
    };
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(e) => e,
        Err(e) => {
            eprintln!("OpenTelemetry-export naar {endpoint} niet mogelijk: {e}");
            return (None, Telemetry(None));
        }
    };
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "kringloop".to_owned());
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(service).build())
        .build();
    let tracer = provider.tracer("kringloop");
    let layer = tracing_opentelemetry::layer().with_tracer(tracer).boxed();
    (Some(layer), Telemetry(Some(provider)))
}
