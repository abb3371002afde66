//! Python pickle values as the unpickler builds them, and a bounds-checked byte reader. Values are
//! plain trees (no sharing, no cycles); their depth is capped so that cloning, dropping and walking
//! them can never overflow the stack, whatever the file says.

/// Deepest nesting accepted (a torch state dict needs about 6).
pub(crate) const MAX_DEPTH: usize = 64;

/// A Python object as far as a state dict needs one. Objects we do not model stay symbolic
/// (`Reduce` of a `Global` with its arguments), so torch-specific meaning is added later.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    None,
    Bool(bool),
    Int(i64),
    /// An integer wider than 64 bits: little-endian two's-complement bytes (LONG1/LONG4).
    BigInt(Vec<u8>),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    /// Insertion-ordered (`dict` and `collections.OrderedDict` alike).
    Dict(Vec<(Value, Value)>),
    /// `module.name`, from GLOBAL / STACK_GLOBAL.
    Global(String, String),
    /// `func(*args)` (REDUCE) or `cls.__new__(cls, *args)` (NEWOBJ).
    Reduce(Box<Value>, Box<Value>),
    /// `obj.__setstate__(state)` for objects that are not dicts.
    Build(Box<Value>, Box<Value>),
    /// A persistent id (BINPERSID): in torch files, a reference to a tensor storage.
    PersId(Box<Value>),
}

impl Value {
    /// Calls `f` on each direct child (without allocating: these walks run on every nesting).
    fn for_each_child(&self, mut f: impl FnMut(&Value)) {
        match self {
            Value::Tuple(v) | Value::List(v) => v.iter().for_each(f),
            Value::Dict(kv) => kv.iter().for_each(|(k, v)| {
                f(k);
                f(v);
            }),
            Value::Reduce(a, b) | Value::Build(a, b) => {
                f(a);
                f(b);
            }
            Value::PersId(a) => f(a),
            _ => {}
        }
    }

    /// Nesting depth (a scalar is 1).
    pub(crate) fn depth(&self) -> usize {
        let mut deepest = 0;
        self.for_each_child(|c| deepest = deepest.max(c.depth()));
        1 + deepest
    }

    /// Number of nodes, counting this one.
    pub(crate) fn size(&self) -> usize {
        let mut total = 1;
        self.for_each_child(|c| total += c.size());
        total
    }

    /// A short description for error messages.
    pub(crate) fn kind(&self) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) | Value::BigInt(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(s) => format!("str {s:?}"),
            Value::Bytes(_) => "bytes".into(),
            Value::Tuple(v) => format!("tuple of {}", v.len()),
            Value::List(v) => format!("list of {}", v.len()),
            Value::Dict(_) => "dict".into(),
            Value::Global(m, n) => format!("{m}.{n}"),
            Value::Reduce(f, _) => format!("call of {}", f.kind()),
            Value::Build(o, _) => format!("built {}", o.kind()),
            Value::PersId(_) => "persistent id".into(),
        }
    }
}

/// A cursor over untrusted bytes: every read is bounds-checked and reports the offset it failed at.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let Some(end) = end else {
            return Err(format!("unexpected end of data at byte {} (wanted {n} more bytes)", self.pos));
        };
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, String> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(crate) fn i32(&mut self) -> Result<i32, String> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A length field, which must fit in what is left of the data.
    pub(crate) fn len_bytes(&mut self, n: u64) -> Result<&'a [u8], String> {
        let n = usize::try_from(n).map_err(|_| format!("length {n} at byte {} is too large", self.pos))?;
        self.take(n)
    }

    /// Bytes up to (not including) the next `\n`, which is consumed.
    pub(crate) fn line(&mut self) -> Result<&'a [u8], String> {
        let rest = &self.data[self.pos..];
        let n = rest.iter().position(|&b| b == b'\n').ok_or(format!("unterminated line at byte {}", self.pos))?;
        let line = &rest[..n];
        self.pos += n + 1;
        Ok(line)
    }
}

/// LONG1/LONG4 payload: little-endian two's complement of any width.
pub(crate) fn long_value(bytes: &[u8]) -> Value {
    if bytes.len() > 8 {
        return Value::BigInt(bytes.to_vec());
    }
    let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
    let mut buf = [if negative { 0xff } else { 0 }; 8];
    buf[..bytes.len()].copy_from_slice(bytes);
    Value::Int(i64::from_le_bytes(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_decodes_signs_and_widths() {
        assert_eq!(long_value(&[]), Value::Int(0));
        assert_eq!(long_value(&[0xff]), Value::Int(-1));
        assert_eq!(long_value(&[0x80, 0x00]), Value::Int(128));
        assert_eq!(long_value(&[1; 9]), Value::BigInt(vec![1; 9]));
    }

    #[test]
    fn reader_reports_offsets_instead_of_panicking() {
        let mut r = Reader::new(b"ab\ncd");
        assert_eq!(r.line().unwrap(), b"ab");
        assert!(r.u32().unwrap_err().contains("byte 3"));
        assert!(r.len_bytes(u64::MAX).is_err());
        assert!(r.line().is_err());
        assert_eq!(r.u16().unwrap(), u16::from_le_bytes(*b"cd"));
    }

    #[test]
    fn depth_and_size_count_nodes() {
        let v = Value::Tuple(vec![Value::Int(1), Value::List(vec![Value::None])]);
        assert_eq!(v.depth(), 3);
        assert_eq!(v.size(), 4);
    }
}
