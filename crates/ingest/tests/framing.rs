//! RFC 6587 decoding, independent of sockets: chunking never changes the result, and no input
//! makes the decoder panic.

use palisade_ingest::framing::{Frame, FrameDecoder, FrameError, OVERSIZED, TRUNCATED};
use proptest::prelude::*;

/// Decodes `input` fed in chunks of `chunk` bytes, then ends the stream.
fn decode_chunked(max: usize, input: &[u8], chunk: usize) -> (Vec<Frame>, Result<(), FrameError>) {
    let mut decoder = FrameDecoder::new(max);
    let mut frames = Vec::new();
    for piece in input.chunks(chunk.max(1)) {
        if let Err(err) = decoder.decode(piece, &mut frames) {
            return (frames, Err(err));
        }
    }
    decoder.finish(&mut frames);
    (frames, Ok(()))
}

fn message(text: &str) -> Frame {
    Frame::Message(text.as_bytes().to_vec())
}

#[test]
fn octet_counting_and_lf_mixed() {
    let (frames, result) = decode_chunked(100, b"3 abc5 a\nb c\r\n\0x\r\n7 1234567tail", 1000);
    assert!(result.is_ok());
    assert_eq!(
        frames,
        [
            message("abc"),
            message("a\nb c"),
            message("x"),
            message("1234567"),
            message("tail")
        ]
    );
}

#[test]
fn oversized_frames_are_skipped_exactly() {
    let mut input = b"12 aaaaaaaaaaaa2 ok".to_vec();
    input.extend(b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\nnext\n");
    for chunk in [1, 3, 7, 1000] {
        let (frames, result) = decode_chunked(10, &input, chunk);
        assert!(result.is_ok());
        assert_eq!(
            frames,
            [
                Frame::Rejected(OVERSIZED),
                message("ok"),
                Frame::Rejected(OVERSIZED),
                message("next")
            ],
            "chunk {chunk}"
        );
    }
}

#[test]
fn invalid_octet_counts_are_errors() {
    for bad in [&b"12x"[..], b"0 ", b"01 a", b"1234567890 x"] {
        let (_, result) = decode_chunked(100, bad, 1000);
        assert_eq!(result, Err(FrameError), "{bad:?}");
    }
}

#[test]
fn end_of_stream_keeps_a_partial_lf_frame_and_rejects_a_partial_count() {
    assert_eq!(decode_chunked(100, b"partial\r", 4).0, [message("partial")]);
    assert_eq!(
        decode_chunked(100, b"9 short", 4).0,
        [Frame::Rejected(TRUNCATED)]
    );
    assert_eq!(decode_chunked(100, b"", 4).0, []);
}

#[test]
fn a_line_of_exactly_the_limit_ending_in_crlf_or_cr_nul_is_kept_however_it_is_read() {
    let body = "x".repeat(16);
    for end in ["\r\n", "\r\0"] {
        let input = format!("{body}{end}<ok\n");
        let whole = decode_chunked(16, input.as_bytes(), input.len());
        assert_eq!(whole.0, vec![message(&body), message("<ok")]);
        for chunk in 1..input.len() {
            assert_eq!(
                decode_chunked(16, input.as_bytes(), chunk),
                whole,
                "chunk {chunk}"
            );
        }
    }
}

fn framed_stream() -> impl Strategy<Value = Vec<u8>> {
    let frame = prop_oneof![
        proptest::collection::vec(any::<u8>(), 1..40).prop_map(|body| {
            let mut out = format!("{} ", body.len()).into_bytes();
            out.extend(body);
            out
        }),
        "[a-z<>0-9 ]{0,40}".prop_map(|line| format!("<{line}\n").into_bytes()),
        "[a-z<>0-9 ]{0,40}".prop_map(|line| format!("<{line}\r\n").into_bytes()),
        "[a-z<>0-9 ]{0,40}".prop_map(|line| format!("<{line}\r\0").into_bytes()),
    ];
    proptest::collection::vec(frame, 0..20).prop_map(|frames| frames.concat())
}

proptest! {
    #[test]
    fn chunking_never_changes_the_frames(input in framed_stream(), chunk in 1usize..64, max in 1usize..50) {
        let whole = decode_chunked(max, &input, input.len());
        let pieces = decode_chunked(max, &input, chunk);
        prop_assert_eq!(whole, pieces);
    }

    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..500), chunk in 1usize..64) {
        let (frames, _) = decode_chunked(32, &input, chunk);
        for frame in frames {
            if let Frame::Message(m) = frame {
                prop_assert!(m.len() <= 32);
            }
        }
    }
}
