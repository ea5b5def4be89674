//! Telemetry: OpenTelemetry OTLP export only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
