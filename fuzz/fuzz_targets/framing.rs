//! RFC 6587 decoding: never panic, never emit a frame above the limit, and give the same
//! frames however the stream is cut into reads (the first input byte picks the read size).
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_ingest::framing::{Frame, FrameDecoder};

const MAX: usize = 64;

fn decode(stream: &[u8], chunk: usize) -> Vec<Frame> {
    let mut decoder = FrameDecoder::new(MAX);
    let mut frames = Vec::new();
    for piece in stream.chunks(chunk) {
        if decoder.decode(piece, &mut frames).is_err() {
            return frames;
        }
    }
    decoder.finish(&mut frames);
    frames
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(first % 32) + 1;
    let pieces = decode(stream, chunk);
    for frame in &pieces {
        if let Frame::Message(message) = frame {
            assert!(message.len() <= MAX);
        }
    }
    assert_eq!(pieces, decode(stream, stream.len().max(1)));
});
