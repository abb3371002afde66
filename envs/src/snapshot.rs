//! Saved states: a little-endian byte codec ([`StateWriter`], [`StateReader`]) and the random
//! generator every env and agent uses ([`StateRng`], saved exactly), so that an env — and the training loop
//! around it — can be stopped and continued bit for bit (`Env::save_state` / `Env::load_state`).
//!
//! ```text
//! u64   8 bytes          f64 / f32   the IEEE bit pattern, 8 / 4 bytes
//! list  count u64, items             bytes   count u64, raw bytes
//! rng   seed 32 bytes | stream u64 | word position u128 (ChaCha12, rand's StdRng algorithm)
//! ```

use rand::SeedableRng;
/// A generator whose exact position can be saved: ChaCha12, the algorithm of rand's `StdRng`
/// (the same numbers for the same seed).
pub use rand_chacha::ChaCha12Rng as StateRng;

/// Appends values to a byte buffer.
#[derive(Clone, Debug, Default)]
pub struct StateWriter(pub Vec<u8>);

impl StateWriter {
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn usize(&mut self, v: usize) {
        self.u64(v as u64);
    }
    pub fn bool(&mut self, v: bool) {
        self.0.push(v as u8);
    }
    pub fn f32(&mut self, v: f32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn f32s(&mut self, v: &[f32]) {
        self.usize(v.len());
        self.0.reserve(4 * v.len());
        v.iter().for_each(|x| self.f32(*x));
    }
    pub fn f64s(&mut self, v: &[f64]) {
        self.usize(v.len());
        self.0.reserve(8 * v.len());
        v.iter().for_each(|x| self.f64(*x));
    }
    pub fn bytes(&mut self, v: &[u8]) {
        self.usize(v.len());
        self.0.extend_from_slice(v);
    }
    pub fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }
    /// The generator's exact position in its stream.
    pub fn rng(&mut self, rng: &StateRng) {
        self.0.extend_from_slice(&rng.get_seed());
        self.u64(rng.get_stream());
        self.0.extend_from_slice(&rng.get_word_pos().to_le_bytes());
    }
}

/// Reads what a [`StateWriter`] wrote, in the same order; every shortfall is an error naming `what`.
pub struct StateReader<'a> {
    bytes: &'a [u8],
    what: &'a str,
}

impl<'a> StateReader<'a> {
    /// A reader over `bytes`; `what` names them in errors ("the sampler state of worker 1").
    pub fn new(bytes: &'a [u8], what: &'a str) -> Self {
        StateReader { bytes, what }
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let head = self.slice(N)?;
        Ok(head.try_into().unwrap_or_else(|_| unreachable!("slice returns N bytes")))
    }

    fn slice(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err(format!("{} ends early ({} bytes left, {n} wanted)", self.what, self.bytes.len()));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    /// A count, refused when it could not fit in what is left (`item` bytes each).
    fn len(&mut self, item: usize) -> Result<usize, String> {
        let n = self.u64()?;
        match usize::try_from(n).ok().filter(|n| n.checked_mul(item).is_some_and(|b| b <= self.bytes.len())) {
            Some(n) => Ok(n),
            None => Err(format!("{}: a length of {n} runs past its end", self.what)),
        }
    }

    pub fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    pub fn usize(&mut self) -> Result<usize, String> {
        let v = self.u64()?;
        usize::try_from(v).map_err(|_| format!("{}: {v} does not fit in usize", self.what))
    }
    pub fn bool(&mut self) -> Result<bool, String> {
        match self.take::<1>()?[0] {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(format!("{}: {b} is not a boolean", self.what)),
        }
    }
    pub fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_le_bytes(self.take()?))
    }
    pub fn f64(&mut self) -> Result<f64, String> {
        Ok(f64::from_le_bytes(self.take()?))
    }
    pub fn f32s(&mut self) -> Result<Vec<f32>, String> {
        let n = self.len(4)?;
        Ok(self.slice(4 * n)?.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }
    pub fn f64s(&mut self) -> Result<Vec<f64>, String> {
        let n = self.len(8)?;
        let b = self.slice(8 * n)?;
        Ok(b.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect())
    }
    pub fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.len(1)?;
        self.slice(n)
    }
    pub fn str(&mut self) -> Result<String, String> {
        let b = self.bytes()?;
        String::from_utf8(b.to_vec()).map_err(|_| format!("{}: a name is not UTF-8", self.what))
    }
    pub fn rng(&mut self) -> Result<StateRng, String> {
        let seed: [u8; 32] = self.take()?;
        let stream = self.u64()?;
        let word_pos = u128::from_le_bytes(self.take()?);
        let mut rng = StateRng::from_seed(seed);
        rng.set_stream(stream);
        rng.set_word_pos(word_pos);
        Ok(rng)
    }

    /// Checks that everything was read.
    pub fn finish(self) -> Result<(), String> {
        match self.bytes.len() {
            0 => Ok(()),
            n => Err(format!("{} has {n} bytes past its end", self.what)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn values_and_generators_round_trip_exactly() {
        let mut rng = StateRng::seed_from_u64(7);
        let _: [u32; 5] = rng.random();
        let mut w = StateWriter::default();
        w.u64(u64::MAX);
        w.bool(true);
        w.f32s(&[1.5, -0.0, f32::MIN_POSITIVE]);
        w.f64s(&[std::f64::consts::PI]);
        w.str("kettle");
        w.rng(&rng);
        let bytes = w.0;
        let mut r = StateReader::new(&bytes, "test state");
        assert_eq!(r.u64().unwrap(), u64::MAX);
        assert!(r.bool().unwrap());
        assert_eq!(r.f32s().unwrap(), vec![1.5, -0.0, f32::MIN_POSITIVE]);
        assert_eq!(r.f64s().unwrap(), vec![std::f64::consts::PI]);
        assert_eq!(r.str().unwrap(), "kettle");
        let mut back = r.rng().unwrap();
        r.finish().unwrap();
        let (a, b): ([u64; 4], [u64; 4]) = (rng.random(), back.random());
        assert_eq!(a, b);
    }

    #[test]
    fn truncated_or_padded_states_are_refused_with_their_name() {
        let mut w = StateWriter::default();
        w.f64s(&[1.0, 2.0]);
        let bytes = w.0;
        let err = StateReader::new(&bytes[..12], "the env state").f64s().unwrap_err();
        assert!(err.contains("the env state") && err.contains("runs past its end"), "{err}");
        let mut long = bytes.clone();
        long.push(0);
        let mut r = StateReader::new(&long, "the env state");
        r.f64s().unwrap();
        assert!(r.finish().unwrap_err().contains("1 bytes past its end"));
    }

    #[test]
    fn the_env_generator_is_rands_std_rng() {
        use rand::rngs::StdRng;
        let (mut a, mut b) = (StateRng::seed_from_u64(3), StdRng::seed_from_u64(3));
        let (x, y): ([u64; 8], [u64; 8]) = (a.random(), b.random());
        assert_eq!(x, y, "StateRng must draw StdRng's numbers, so seeds keep their meaning");
    }
}
