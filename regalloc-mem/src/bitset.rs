//! A fixed-size bit set over `u64` words: the liveness sets of the allocator.

#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    pub fn new(bits: usize) -> Self {
        BitSet {
            words: vec![0; bits.div_ceil(64)],
        }
    }

    /// Adds `i`; whether it was absent.
    pub fn insert(&mut self, i: usize) -> bool {
        let w = &mut self.words[i / 64];
        let new = *w >> (i % 64) & 1 == 0;
        *w |= 1 << (i % 64);
        new
    }

    /// Removes `i`; whether it was present.
    pub fn remove(&mut self, i: usize) -> bool {
        let w = &mut self.words[i / 64];
        let had = *w >> (i % 64) & 1 != 0;
        *w &= !(1 << (i % 64));
        had
    }

    /// How many bits below `limit` are set.
    pub fn count_below(&self, limit: usize) -> usize {
        let (k, sh) = (limit / 64, limit % 64);
        let full: u32 = self.words[..k.min(self.words.len())]
            .iter()
            .map(|w| w.count_ones())
            .sum();
        let part = if sh == 0 {
            0
        } else {
            (self.word(k) & ((1 << sh) - 1)).count_ones()
        };
        (full + part) as usize
    }

    pub fn contains(&self, i: usize) -> bool {
        self.words[i / 64] >> (i % 64) & 1 != 0
    }

    pub fn clear(&mut self) {
        self.words.iter_mut().for_each(|w| *w = 0);
    }

    pub fn copy_from(&mut self, other: &BitSet) {
        self.words.copy_from_slice(&other.words);
    }

    /// `self |= other`; whether `self` changed.
    pub fn union_with(&mut self, other: &BitSet) -> bool {
        let mut changed = false;
        for (a, &b) in self.words.iter_mut().zip(&other.words) {
            let n = *a | b;
            changed |= n != *a;
            *a = n;
        }
        changed
    }

    /// `self -= other`.
    pub fn subtract(&mut self, other: &BitSet) {
        for (a, &b) in self.words.iter_mut().zip(&other.words) {
            *a &= !b;
        }
    }

    /// The 64 bits starting at bit `64 * k`.
    pub fn word(&self, k: usize) -> u64 {
        self.words.get(k).copied().unwrap_or(0)
    }

    /// The set bits below `limit`, in increasing order.
    pub fn iter_below(&self, limit: usize) -> impl Iterator<Item = usize> + '_ {
        self.words
            .iter()
            .enumerate()
            .take(limit.div_ceil(64))
            .flat_map(move |(k, &w)| {
                let mut w = w;
                std::iter::from_fn(move || {
                    if w == 0 {
                        return None;
                    }
                    let t = w.trailing_zeros() as usize;
                    w &= w - 1;
                    Some(64 * k + t)
                })
            })
            .filter(move |&i| i < limit)
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.iter_below(self.words.len() * 64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_ops() {
        let mut a = BitSet::new(130);
        a.insert(3);
        a.insert(64);
        a.insert(129);
        let mut b = BitSet::new(130);
        b.insert(64);
        assert!(!b.union_with(&a) || b.contains(3));
        assert_eq!(b.iter().collect::<Vec<_>>(), vec![3, 64, 129]);
        b.subtract(&a);
        assert_eq!(b.iter().count(), 0);
        assert_eq!(a.iter_below(100).collect::<Vec<_>>(), vec![3, 64]);
    }
}
