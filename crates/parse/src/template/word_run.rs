//! Finding the end of a word run (ASCII letters, digits and `_`) and what it holds, and the next
//! white space, sixteen bytes at a time where the CPU allows it: masking and header matching
//! spend most of their time here.

/// A word run found by [`scan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct WordRun {
    /// Where the run ends: the first byte that is not a word byte, or the end of the bytes.
    pub(super) end: usize,
    /// How many decimal digits it holds, counted up to two (all masking needs to know).
    pub(super) digits: usize,
    /// Whether every byte is a hexadecimal digit.
    pub(super) all_hex: bool,
}

/// The word run that starts at `start` in `bytes` (empty when that byte is not a word byte).
pub(super) fn scan(bytes: &[u8], start: usize) -> WordRun {
    #[cfg(target_arch = "x86_64")]
    {
        sixteen_at_a_time(bytes, start)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        byte_at_a_time(bytes, start)
    }
}

/// [`scan`], one byte at a time (other CPUs, and inputs shorter than a block).
fn byte_at_a_time(bytes: &[u8], start: usize) -> WordRun {
    let (mut end, mut digits, mut all_hex) = (start, 0, true);
    while let Some(&b) = bytes.get(end) {
        if !(b.is_ascii_alphanumeric() || b == b'_') {
            break;
        }
        digits += usize::from(b.is_ascii_digit());
        all_hex &= b.is_ascii_hexdigit();
        end += 1;
    }
    WordRun {
        end,
        digits: digits.min(2),
        all_hex,
    }
}

/// [`scan`] with SSE2 (part of every x86-64 CPU): sixteen bytes are classified at once. Near
/// the end the block is the last sixteen bytes, shifted so that bytes before `at` drop out
/// and the end reads as a non-word byte; shorter inputs go byte by byte.
#[cfg(target_arch = "x86_64")]
fn sixteen_at_a_time(bytes: &[u8], start: usize) -> WordRun {
    let Some(last_block) = bytes.len().checked_sub(16) else {
        return byte_at_a_time(bytes, start);
    };
    let (mut at, mut digits, mut all_hex) = (start.min(bytes.len()), 0, true);
    loop {
        let (block_start, skipped) = if at <= last_block {
            (at, 0)
        } else {
            (last_block, at - last_block)
        };
        let Ok(block) = <&[u8; 16]>::try_from(&bytes[block_start..block_start + 16]) else {
            return byte_at_a_time(bytes, start);
        };
        let classes = classify(block);
        let word = classes.word >> skipped;
        let length = (!word).trailing_zeros().min(16);
        let within = (1u32 << length) - 1;
        // Up to two digits, without a population count (not in the x86-64 baseline).
        let digit = (classes.digit >> skipped) & within;
        let found = usize::from(digit != 0) + usize::from(digit & digit.wrapping_sub(1) != 0);
        digits = (digits + found).min(2);
        all_hex &= (classes.hex >> skipped) & within == within;
        at += length as usize;
        if length < 16 {
            return WordRun {
                end: at,
                digits,
                all_hex,
            };
        }
    }
}

/// Where the first white-space byte at or after `from` is, as the regular expressions' `\s`
/// sees ASCII (tab, line feed, vertical tab, form feed, carriage return, space); the length
/// when there is none.
pub(super) fn next_space(bytes: &[u8], from: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        if let Some(last_block) = bytes.len().checked_sub(16) {
            let mut at = from.min(bytes.len());
            loop {
                let (block_start, skipped) = if at <= last_block {
                    (at, 0)
                } else {
                    (last_block, at - last_block)
                };
                let Ok(block) = <&[u8; 16]>::try_from(&bytes[block_start..block_start + 16]) else {
                    break;
                };
                let found = spaces(block) >> skipped;
                if found != 0 {
                    return at + found.trailing_zeros() as usize;
                }
                if block_start == last_block {
                    return bytes.len();
                }
                at += 16;
            }
        }
    }
    next_space_byte_at_a_time(bytes, from)
}

/// [`next_space`], one byte at a time.
fn next_space_byte_at_a_time(bytes: &[u8], from: usize) -> usize {
    let from = from.min(bytes.len());
    bytes[from..]
        .iter()
        .position(|&b| b == b' ' || (b'\t'..=b'\r').contains(&b))
        .map_or(bytes.len(), |n| from + n)
}

/// The white-space bytes of a block, as [`next_space`] sees them (bit `i` for byte `i`).
#[cfg(target_arch = "x86_64")]
fn spaces(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::*;
    // SAFETY: as in `classify`.
    unsafe {
        let bytes = _mm_loadu_si128(block.as_ptr().cast());
        let control = _mm_and_si128(
            _mm_cmpgt_epi8(bytes, _mm_set1_epi8(b'\t' as i8 - 1)),
            _mm_cmplt_epi8(bytes, _mm_set1_epi8(b'\r' as i8 + 1)),
        );
        let space = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b' ' as i8));
        _mm_movemask_epi8(_mm_or_si128(control, space)) as u32
    }
}

/// Per byte of a block (bit `i` for byte `i`): word byte, decimal digit, hexadecimal digit.
#[cfg(target_arch = "x86_64")]
struct Classes {
    word: u32,
    digit: u32,
    hex: u32,
}

#[cfg(target_arch = "x86_64")]
fn classify(block: &[u8; 16]) -> Classes {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86-64 baseline, and the load reads exactly the 16 bytes
    // of `block` (unaligned loads are allowed).
    unsafe {
        let bytes = _mm_loadu_si128(block.as_ptr().cast());
        // Signed comparisons: bytes of 0x80 and above are negative, so in no range below.
        let within = |v: __m128i, low: u8, high: u8| {
            _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8(low as i8 - 1)),
                _mm_cmplt_epi8(v, _mm_set1_epi8(high as i8 + 1)),
            )
        };
        let digit = within(bytes, b'0', b'9');
        // Setting bit 5 maps `A`..=`Z` onto `a`..=`z` and no other byte into that range.
        let folded = _mm_or_si128(bytes, _mm_set1_epi8(0x20));
        let letter = within(folded, b'a', b'z');
        let hex_letter = within(folded, b'a', b'f');
        let underscore = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'_' as i8));
        let word = _mm_or_si128(_mm_or_si128(digit, letter), underscore);
        let hex = _mm_or_si128(digit, hex_letter);
        let bits = |v: __m128i| _mm_movemask_epi8(v) as u32;
        Classes {
            word: bits(word),
            digit: bits(digit),
            hex: bits(hex),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn block_scanning_finds_what_byte_scanning_finds(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..70),
            words in "[a-zA-Z0-9_]{0,40}",
            start in 0usize..80,
        ) {
            let mut text = words.into_bytes();
            text.extend_from_slice(&bytes);
            let start = start.min(text.len());
            proptest::prop_assert_eq!(scan(&text, start), byte_at_a_time(&text, start));
        }
    }

    proptest::proptest! {
        #[test]
        fn block_space_search_finds_what_byte_search_finds(
            bytes in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b' ', b'\t', 0x0b, b'\r', 0x85, b'x']),
                0..70,
            ),
            from in 0usize..80,
        ) {
            proptest::prop_assert_eq!(
                next_space(&bytes, from),
                next_space_byte_at_a_time(&bytes, from)
            );
        }
    }

    #[test]
    fn the_next_space_is_found_or_the_end() {
        let text = b"0123456789abcdefghij klmnopqrstuvwxyz\tend";
        assert_eq!(next_space(text, 0), 20);
        assert_eq!(next_space(text, 21), 37);
        assert_eq!(next_space(text, 38), text.len());
        assert_eq!(next_space(b"short x", 0), 5);
        assert_eq!(next_space(b"", 3), 0);
    }

    #[test]
    fn runs_stop_at_the_first_other_byte() {
        let run = scan(b"deadBEEF12_x-rest", 0);
        assert_eq!((run.end, run.digits, run.all_hex), (12, 2, false));
        let run = scan(b"0123456789abcdef0123456789ABCDEF!", 0);
        assert_eq!((run.end, run.digits, run.all_hex), (32, 2, true));
        assert_eq!(scan(b"x.", 1).end, 1);
        assert_eq!(scan(b"ab", 2).end, 2);
        assert_eq!(scan("é1".as_bytes(), 0).end, 0);
    }
}
