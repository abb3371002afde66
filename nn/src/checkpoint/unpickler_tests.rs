//! Unit tests of the pickle VM on hand-written and CPython-written pickles: opcode coverage beyond
//! what the torch fixtures use (protocol 4), memo semantics, and the limits on hostile input.

use super::pickle::{MAX_DEPTH, Value};
use super::unpickler::unpickle;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn s(v: &str) -> Value {
    Value::Str(v.into())
}

fn expected_dict(b_bytes: Value) -> Value {
    let b = vec![
        Value::Int(1),
        Value::Int(-2),
        Value::BigInt(vec![0, 0, 0, 0, 0, 0, 0, 0, 0x40]),
        Value::None,
        Value::Bool(true),
        Value::Bool(false),
        b_bytes,
    ];
    Value::Dict(vec![
        (s("a"), Value::Float(1.5)),
        (s("b"), Value::List(b)),
        (s("c"), Value::Tuple(vec![Value::Int(0), s("é")])),
    ])
}

/// `pickle.dumps(OrderedDict([('a', 1.5), ('b', [1, -2, 2**70, None, True, False, b'xy']),
/// ('c', (0, 'é'))]), protocol=4)` (CPython 3.11): FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINBYTES.
const PROTOCOL_4: &str = "80049560000000000000008c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c01\
619447\
3ff80000000000008c0162945d94284b014afeffffff8a090000000000000000404e88894302787994658c0163944b008c02c3a9948694752e";

/// The same object with protocol=2: GLOBAL, BINPUT, and bytes as a `_codecs.encode` call.
const PROTOCOL_2: &str = "800263636f6c6c656374696f6e730a4f726465726564446963740a710029527101285801000000617102473ff8000000\
000000580100000062\
71035d7104284b014afeffffff8a090000000000000000404e8889635f636f646563730a656e636f64650a710558020000007879710658060000006c\
6174696e31710786710852710965580100000063710a4b005802000000c3a9710b86710c752e";

#[test]
fn cpython_pickles_of_both_protocols_decode() {
    let p4 = hex(PROTOCOL_4);
    let (v, used) = unpickle(&p4).unwrap();
    assert_eq!(used, p4.len());
    assert_eq!(v, expected_dict(Value::Bytes(b"xy".to_vec())));
    let encode = Value::Reduce(
        Box::new(Value::Global("_codecs".into(), "encode".into())),
        Box::new(Value::Tuple(vec![s("xy"), s("latin1")])),
    );
    assert_eq!(unpickle(&hex(PROTOCOL_2)).unwrap().0, expected_dict(encode));
}

#[test]
fn every_prefix_of_a_pickle_is_an_error() {
    for bytes in [hex(PROTOCOL_4), hex(PROTOCOL_2)] {
        for n in 0..bytes.len() {
            assert!(unpickle(&bytes[..n]).is_err(), "prefix {n} accepted");
        }
    }
}

#[test]
fn unknown_opcode_is_named_with_its_offset() {
    let err = unpickle(b"\x80\x02(i__main__\nX\n.").unwrap_err();
    assert!(err.contains("opcode 0x69 'i' at byte 3") && err.contains("unsupported"), "{err}");
    let err = unpickle(b"\x80\x02\xff").unwrap_err();
    assert!(err.contains("opcode 0xff at byte 2"), "{err}");
}

#[test]
fn memo_sees_containers_filled_after_they_were_stored() {
    // EMPTY_DICT, BINPUT 0, MARK, 'a', 1, SETITEMS, BINGET 0, TUPLE2, STOP: both entries are {'a': 1}.
    let (v, _) = unpickle(b"}q\x00(X\x01\x00\x00\x00aK\x01uh\x00\x86.").unwrap();
    let d = Value::Dict(vec![(s("a"), Value::Int(1))]);
    assert_eq!(v, Value::Tuple(vec![d.clone(), d]));
}

#[test]
fn stack_underflow_and_bad_marks_are_errors() {
    for bad in [&b"."[..], b"\x86.", b"K\x01(\x85.", b"t.", b"K\x01K\x02(u.", b"h\x05.", b"K\x01q\x00"] {
        assert!(unpickle(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn deep_nesting_is_refused() {
    let depth = MAX_DEPTH + 5;
    let mut p = b"\x80\x02".to_vec();
    p.extend(std::iter::repeat_n(b']', depth));
    p.extend(std::iter::repeat_n(b'a', depth - 1));
    p.push(b'.');
    let err = unpickle(&p).unwrap_err();
    assert!(err.contains("nested more than"), "{err}");
}

#[test]
fn exponential_memo_fan_out_is_refused() {
    // x = 1; then 40 times x = (x, x): 2^40 nodes if copied naively.
    let mut p = b"\x80\x02K\x01q\x00".to_vec();
    for _ in 0..40 {
        p.extend(b"h\x00h\x00\x86q\x00");
    }
    p.push(b'.');
    let err = unpickle(&p).unwrap_err();
    assert!(err.contains("size limit"), "{err}");
}

#[test]
fn consecutive_pickles_report_their_lengths() {
    let mut p = b"\x80\x02K\x07.".to_vec();
    p.extend(b"\x80\x02N.");
    let (a, used) = unpickle(&p).unwrap();
    assert_eq!((a, used), (Value::Int(7), 5));
    assert_eq!(unpickle(&p[used..]).unwrap().0, Value::None);
}
