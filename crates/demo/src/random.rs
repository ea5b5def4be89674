//! The generator's randomness: one seedable, portable ChaCha8 stream (same seed → same
//! history on every platform and run), with the few distributions the world needs
//! written out here so no extra distribution crate is needed and results cannot shift
//! when such a crate changes its algorithms.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

pub(crate) struct Random {
    rng: ChaCha8Rng,
    /// A spare normal deviate from the last Box–Muller pair.
    spare: Option<f64>,
}

impl Random {
    /// A stream for one purpose (`stream_no`), so that e.g. the landscape does not change
    /// when the youth simulation draws one number more.
    pub(crate) fn new(seed: u64, stream_no: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream_no);
        Random { rng, spare: None }
    }

    /// Uniform in [0, 1).
    pub(crate) fn f64(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Uniform integer in [lo, hi] (inclusive); `lo` when the range is empty.
    pub(crate) fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        self.rng.random_range(lo..=hi)
    }

    /// Uniform index in [0, n); 0 for n == 0.
    pub(crate) fn index(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        self.rng.random_range(0..n)
    }

    pub(crate) fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        // Box–Muller; 1 − u keeps the logarithm away from 0.
        let u1 = 1.0 - self.f64();
        let u2 = self.f64();
        let r = (-2.0 * u1.ln()).sqrt();
        let t = std::f64::consts::TAU * u2;
        self.spare = Some(r * t.sin());
        r * t.cos()
    }

    /// Log-normal with the given mean and shape σ (of the underlying normal).
    pub(crate) fn lognormaal(&mut self, gemiddelde: f64, sigma: f64) -> f64 {
        let mu = gemiddelde.max(1e-9).ln() - sigma * sigma / 2.0;
        (mu + sigma * self.normal()).exp()
    }

    /// Poisson-distributed count: exact (Knuth) for small means, normal approximation
    /// above 30 where the difference does not matter and Knuth gets slow.
    pub(crate) fn poisson(&mut self, lambda: f64) -> u32 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda > 30.0 {
            let x = lambda + lambda.sqrt() * self.normal();
            return x.round().max(0.0) as u32;
        }
        let l = (-lambda).exp();
        let mut k = 0u32;
        let mut p = 1.0;
        loop {
            p *= self.f64();
            if p <= l {
                return k;
            }
            k += 1;
        }
    }

    /// Index into a table of cumulative weights (last entry = total).
    pub(crate) fn weighted(&mut self, cumulative: &[f64]) -> usize {
        let Some(total) = cumulative.last() else {
            return 0;
        };
        let x = self.f64() * total;
        cumulative
            .partition_point(|c| *c <= x)
            .min(cumulative.len() - 1)
    }

    /// Picks from (value, weight) pairs.
    pub(crate) fn kies<T: Copy>(&mut self, opties: &[(T, f64)]) -> Option<T> {
        let total: f64 = opties.iter().map(|o| o.1).sum();
        let mut x = self.f64() * total;
        for (v, w) in opties {
            if x < *w {
                return Some(*v);
            }
            x -= w;
        }
        opties.last().map(|o| o.0)
    }

    pub(crate) fn u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A UUIDv7 for an event recorded at `recorded_micros`: time-ordered like the ids the
    /// API creates, but with the random part from the seeded stream (deterministic).
    pub(crate) fn uuid_v7(&mut self, recorded_micros: i64) -> Uuid {
        let mut bytes = [0u8; 10];
        self.rng.fill_bytes(&mut bytes);
        let millis = u64::try_from(recorded_micros / 1000).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
    }
}

/// Cumulative sums of weights, for [`Random::weighted`].
pub(crate) fn cumulative(gewichten: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut acc = 0.0;
    gewichten
        .into_iter()
        .map(|w| {
            acc += w.max(0.0);
            acc
        })
        .collect()
}
