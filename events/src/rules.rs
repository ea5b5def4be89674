//! Domain rules: placeholder, filled in next.
