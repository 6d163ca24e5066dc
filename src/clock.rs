//! The dashboard's clock. Normally the system clock. A test that runs the simulator at R×
//! speed runs the dashboard's clock at the same rate, so that sweep intervals, graces and
//! "since" mean the same in both and ten simulated minutes take one real one.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    origin: Timestamp,
    rate: f64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl Clock {
    pub fn system() -> Self {
        Clock {
            origin: Timestamp::now(),
            rate: 1.0,
        }
    }

    /// A clock that runs `rate` times as fast as the system's, from now on.
    pub fn scaled(rate: f64) -> Self {
        Clock {
            origin: Timestamp::now(),
            rate: if rate.is_finite() && rate > 0.0 {
                rate
            } else {
                1.0
            },
        }
    }

    pub fn now(&self) -> Timestamp {
        let real = Timestamp::now();
        if self.rate == 1.0 {
            return real;
        }
        let elapsed = real.duration_since(self.origin).as_secs_f64() * self.rate;
        let d = SignedDuration::try_from_secs_f64(elapsed).unwrap_or(SignedDuration::ZERO);
        self.origin.checked_add(d).unwrap_or(real)
    }

    /// How long `d` of real time is on this clock.
    pub fn from_real(&self, d: Duration) -> Duration {
        d.mul_f64(self.rate)
    }

    /// How long `d` of this clock's time lasts in real time (what to sleep for).
    pub fn real(&self, d: Duration) -> Duration {
        d.div_f64(self.rate)
    }
}
