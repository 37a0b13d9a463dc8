//! Column encoding round trips, taken columns, and decoding damaged bytes.

use super::*;
use proptest::prelude::*;

#[test]
fn sparse_mixed_columns_round_trip() {
    let mut b = ColumnBuilder::default();
    b.push(1, &Value::from("héllo"));
    b.push(2, &Value::Int(-5));
    b.push(4, &Value::Float(0.25));
    b.push(5, &Value::Bool(true));
    let col = Column::decode(&b.encode(7), 7, None).unwrap();
    let got: Vec<_> = (0..7).map(|i| col.get(i).map(ValueRef::to_owned)).collect();
    assert_eq!(
        got,
        vec![
            None,
            Some(Value::from("héllo")),
            Some(Value::Int(-5)),
            None,
            Some(Value::Float(0.25)),
            Some(Value::Bool(true)),
            None
        ]
    );
    let times = [1_732_350_000_000, 1_732_349_000_000, i64::MIN, i64::MAX];
    assert_eq!(
        decode_ints(&encode_ints(times.into_iter()), 4).unwrap(),
        times
    );
    assert!(decode_ints(&encode_ints(times.into_iter()), 3).is_err());
}

#[test]
fn raw_suffix_cells_read_the_tail_of_the_rows_raw_data() {
    let mut raw = ColumnBuilder::default();
    raw.push(0, &Value::from("<13>1 - h app - - - disk full"));
    raw.push(1, &Value::from("<13>1 - h app - - - héllo"));
    let raw = Column::decode(&raw.encode(3), 3, None).unwrap();
    let mut message = ColumnBuilder::default();
    message.push_raw_suffix(0, "disk full".len());
    message.push_raw_suffix(1, "héllo".len());
    message.push(2, &Value::from("not in raw"));
    let bytes = message.encode(3);
    let col = Column::decode(&bytes, 3, Some(&raw)).unwrap();
    assert_eq!(col.get(0), Some(ValueRef::Str("disk full")));
    assert_eq!(col.get(1), Some(ValueRef::Str("héllo")));
    assert_eq!(col.get(2), Some(ValueRef::Str("not in raw")));
    assert!(
        Column::decode(&bytes, 3, None).is_err(),
        "a suffix without raw data is damage"
    );
    let mut bad = ColumnBuilder::default();
    bad.push_raw_suffix(1, "llo".len() + 1);
    assert!(
        Column::decode(&bad.encode(2), 2, Some(&raw)).is_err(),
        "not a char boundary"
    );
}

#[test]
fn taken_columns_are_the_encoded_bytes_block_after_block() {
    let mut b = ColumnBuilder::default();
    for block in 0..4usize {
        for row in 0..50 + block * 7 {
            if row % 3 != 0 {
                b.push(
                    row,
                    &Value::from(format!("value {row} of {block}").as_str()),
                );
            }
        }
        b.push(60 + block * 7, &Value::Int(7));
        let rows = 70 + block * 7;
        let expected = b.encode(rows);
        let bytes_before = b.bytes();
        let taken = b.take_encoded(rows);
        assert_eq!(&*taken, expected.as_slice(), "block {block}");
        assert!(bytes_before > 0);
        assert_eq!(b.bytes(), 0, "the builder is empty again");
    }
}

proptest! {
    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256), rows in 0usize..8) {
        if let Ok(col) = Column::decode(&bytes, rows, None) {
            for i in 0..rows + 1 { let _ = col.get(i); }
        }
        let _ = decode_ints(&bytes, rows);
    }
}
