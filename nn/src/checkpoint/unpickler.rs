//! A small, safe pickle virtual machine for the opcodes `torch.save` emits (protocols 2–5). It never
//! imports or calls anything: globals stay names and calls stay `Value::Reduce` trees for
//! `torch.rs` to interpret. Unknown opcodes, stack underflow, bad lengths, excessive nesting and
//! memo-copy blow-ups are errors naming the byte offset.

use super::pickle::{MAX_DEPTH, Reader, Value, long_value};
use std::collections::HashMap;
use std::rc::Rc;

/// Most value nodes the memo may copy in one pickle (guards against exponential BINGET fan-out).
/// A state dict copies about 3 nodes per node it holds (EfficientNet-Lite0's 296 tensors: 18.6 k),
/// so this admits state dicts of ~80 k tensors.
const MAX_COPIED_NODES: usize = 1 << 22;

/// A stack entry and the memo ids that refer to it while it is still being filled.
struct Slot {
    value: Value,
    memo: Vec<u32>,
}

/// Python's memo holds references: a dict memoized before SETITEMS fills it must read back
/// filled. So an entry points at its live stack slot until that slot is popped, then keeps a copy.
enum Memo {
    Live(usize),
    Frozen(Rc<Value>),
}

struct Unpickler<'a> {
    r: Reader<'a>,
    stack: Vec<Slot>,
    marks: Vec<usize>,
    memo: HashMap<u32, Memo>,
    copy_budget: usize,
}

/// Runs one pickle from the start of `data`; returns the object and the bytes consumed (STOP
/// included), so pickles stored back to back can be read in turn.
pub(crate) fn unpickle(data: &[u8]) -> Result<(Value, usize), String> {
    let mut vm = Unpickler {
        r: Reader::new(data),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        copy_budget: MAX_COPIED_NODES,
    };
    loop {
        let at = vm.r.pos();
        let op = vm.r.u8().map_err(|_| format!("pickle ends at byte {at} without a STOP opcode"))?;
        match vm.step(op) {
            Ok(Some(v)) => return Ok((v, vm.r.pos())),
            Ok(None) => {}
            Err(e) => {
                let name = if op.is_ascii_graphic() { format!(" '{}'", op as char) } else { String::new() };
                return Err(format!("pickle opcode 0x{op:02x}{name} at byte {at}: {e}"));
            }
        }
    }
}

impl Unpickler<'_> {
    fn step(&mut self, op: u8) -> Result<Option<Value>, String> {
        if op == b'.' {
            // STOP: the result is not copied into the memo, it is simply handed out.
            let top = self.stack.pop().ok_or("STOP with an empty stack")?;
            return Ok(Some(top.value));
        }
        let handled = self.literal(op)? || self.container(op)? || self.memo_op(op)? || self.object(op)?;
        if handled { Ok(None) } else { Err("unsupported opcode (not one torch.save emits for state dicts)".into()) }
    }

    fn push(&mut self, value: Value) {
        self.stack.push(Slot { value, memo: Vec::new() });
    }

    /// Pops one value; memo entries that referred to it keep a copy from now on.
    fn pop(&mut self) -> Result<Value, String> {
        if self.stack.len() <= self.marks.last().copied().unwrap_or(0) {
            return Err("stack underflow".into());
        }
        let slot = self.stack.pop().ok_or("stack underflow")?;
        if !slot.memo.is_empty() {
            self.spend(slot.value.size())?;
            let frozen = Rc::new(slot.value.clone());
            for id in slot.memo {
                self.memo.insert(id, Memo::Frozen(frozen.clone()));
            }
        }
        Ok(slot.value)
    }

    /// Pops everything down to the latest MARK (and the mark), oldest first.
    fn pop_mark(&mut self) -> Result<Vec<Value>, String> {
        let mark = *self.marks.last().ok_or("no MARK on the stack")?;
        let mut items = Vec::with_capacity(self.stack.len().saturating_sub(mark));
        while self.stack.len() > mark {
            items.push(self.pop()?);
        }
        self.marks.pop();
        items.reverse();
        Ok(items)
    }

    fn top(&mut self) -> Result<&mut Value, String> {
        if self.stack.len() <= self.marks.last().copied().unwrap_or(0) {
            return Err("stack underflow".into());
        }
        self.stack.last_mut().map(|s| &mut s.value).ok_or_else(|| "stack underflow".into())
    }

    fn spend(&mut self, nodes: usize) -> Result<(), String> {
        self.copy_budget = self.copy_budget.checked_sub(nodes).ok_or("memo copies exceed the size limit")?;
        Ok(())
    }

    /// Scalars and strings.
    fn literal(&mut self, op: u8) -> Result<bool, String> {
        let v = match op {
            b'N' => Value::None,
            0x88 => Value::Bool(true),
            0x89 => Value::Bool(false),
            b'J' => Value::Int(self.r.i32()? as i64),
            b'K' => Value::Int(self.r.u8()? as i64),
            b'M' => Value::Int(self.r.u16()? as i64),
            0x8a => {
                let n = self.r.u8()? as u64;
                long_value(self.r.len_bytes(n)?)
            }
            0x8b => {
                let n = u64::try_from(self.r.i32()?).map_err(|_| "negative LONG4 length")?;
                long_value(self.r.len_bytes(n)?)
            }
            b'G' => Value::Float(f64::from_be_bytes(self.r.array()?)),
            b'X' | 0x8c | 0x8d => Value::Str(self.text(op)?),
            // Python 2 `str` (BINSTRING / SHORT_BINSTRING) is bytes; read it as Latin-1 text.
            b'T' | b'U' => Value::Str(self.sized(op)?.iter().map(|&b| b as char).collect()),
            b'B' | b'C' | 0x8e => Value::Bytes(self.sized(op)?.to_vec()),
            _ => return Ok(false),
        };
        self.push(v);
        Ok(true)
    }

    /// The payload of a length-prefixed opcode (1-, 4- or 8-byte length).
    fn sized(&mut self, op: u8) -> Result<&[u8], String> {
        let n = match op {
            0x8c | b'U' | b'C' => self.r.u8()? as u64,
            0x8d | 0x8e => self.r.u64()?,
            _ => self.r.u32()? as u64,
        };
        self.r.len_bytes(n)
    }

    fn text(&mut self, op: u8) -> Result<String, String> {
        let bytes = self.sized(op)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| "string is not valid UTF-8".into())
    }

    /// Tuples, lists, dicts and their filling.
    fn container(&mut self, op: u8) -> Result<bool, String> {
        match op {
            b'(' => self.marks.push(self.stack.len()),
            b')' => self.push(Value::Tuple(Vec::new())),
            b']' => self.push(Value::List(Vec::new())),
            b'}' => self.push(Value::Dict(Vec::new())),
            b't' => {
                let items = nestable(self.pop_mark()?)?;
                self.push(Value::Tuple(items));
            }
            0x85..=0x87 => {
                let mut items = (0..op - 0x84).map(|_| self.pop()).collect::<Result<Vec<_>, _>>()?;
                items.reverse();
                self.push(Value::Tuple(nestable(items)?));
            }
            b'l' => {
                let items = nestable(self.pop_mark()?)?;
                self.push(Value::List(items));
            }
            b'd' => {
                let pairs = pairs(nestable(self.pop_mark()?)?)?;
                self.push(Value::Dict(pairs));
            }
            b'a' => {
                let item = nestable(vec![self.pop()?])?;
                extend_list(self.top()?, item)?;
            }
            b'e' => {
                let items = nestable(self.pop_mark()?)?;
                extend_list(self.top()?, items)?;
            }
            b's' => {
                let (v, k) = (self.pop()?, self.pop()?);
                extend_dict(self.top()?, pairs(nestable(vec![k, v])?)?)?;
            }
            b'u' => {
                let pairs = pairs(nestable(self.pop_mark()?)?)?;
                extend_dict(self.top()?, pairs)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// PROTO, FRAME, POP, DUP and the memo.
    fn memo_op(&mut self, op: u8) -> Result<bool, String> {
        match op {
            0x80 => {
                let proto = self.r.u8()?;
                if proto > 5 {
                    return Err(format!("pickle protocol {proto} is newer than 5"));
                }
            }
            0x95 => {
                self.r.u64()?; // FRAME: a length hint only.
            }
            b'0' => {
                self.pop()?;
            }
            b'1' => {
                self.pop_mark()?;
            }
            b'2' => {
                let copy = self.top()?.clone();
                self.spend(copy.size())?;
                self.push(copy);
            }
            b'q' | b'h' => {
                let id = self.r.u8()? as u32;
                if op == b'q' { self.memo_put(id)? } else { self.memo_get(id)? }
            }
            b'r' | b'j' => {
                let id = self.r.u32()?;
                if op == b'r' { self.memo_put(id)? } else { self.memo_get(id)? }
            }
            0x94 => self.memo_put(u32::try_from(self.memo.len()).map_err(|_| "memo too large")?)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn memo_put(&mut self, id: u32) -> Result<(), String> {
        self.top()?;
        let index = self.stack.len() - 1;
        if let Some(Memo::Live(old)) = self.memo.insert(id, Memo::Live(index))
            && let Some(slot) = self.stack.get_mut(old)
        {
            slot.memo.retain(|&m| m != id);
        }
        self.stack[index].memo.push(id);
        Ok(())
    }

    fn memo_get(&mut self, id: u32) -> Result<(), String> {
        let value = match self.memo.get(&id) {
            Some(Memo::Live(i)) => self.stack.get(*i).map(|s| s.value.clone()).ok_or("stale memo entry")?,
            Some(Memo::Frozen(v)) => Value::clone(v),
            None => return Err(format!("memo entry {id} was never stored")),
        };
        self.spend(value.size())?;
        self.push(value);
        Ok(())
    }

    /// Globals, calls, object state and persistent ids.
    fn object(&mut self, op: u8) -> Result<bool, String> {
        let v = match op {
            b'c' => {
                let module = String::from_utf8_lossy(self.r.line()?).into_owned();
                let name = String::from_utf8_lossy(self.r.line()?).into_owned();
                Value::Global(module, name)
            }
            0x93 => match (self.pop()?, self.pop()?) {
                (Value::Str(name), Value::Str(module)) => Value::Global(module, name),
                _ => return Err("STACK_GLOBAL needs two strings".into()),
            },
            b'R' | 0x81 => {
                let (args, func) = (self.pop()?, self.pop()?);
                reduce(func, args)?
            }
            0x92 => {
                let (_kwargs, args, cls) = (self.pop()?, self.pop()?, self.pop()?);
                reduce(cls, args)?
            }
            b'Q' => Value::PersId(Box::new(nestable(vec![self.pop()?])?.remove(0))),
            b'b' => {
                let state = nestable(vec![self.pop()?])?.remove(0);
                build(self.top()?, state)?;
                return Ok(true);
            }
            _ => return Ok(false),
        };
        self.push(v);
        Ok(true)
    }
}

/// Values about to be nested one level deeper must leave room under `MAX_DEPTH`.
fn nestable(items: Vec<Value>) -> Result<Vec<Value>, String> {
    if items.iter().any(|v| v.depth() >= MAX_DEPTH) {
        return Err(format!("objects nested more than {MAX_DEPTH} deep"));
    }
    Ok(items)
}

fn pairs(items: Vec<Value>) -> Result<Vec<(Value, Value)>, String> {
    if !items.len().is_multiple_of(2) {
        return Err("odd number of items for a dict".into());
    }
    let mut it = items.into_iter();
    let mut out = Vec::new();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Ok(out)
}

fn extend_list(target: &mut Value, items: Vec<Value>) -> Result<(), String> {
    if let Value::Reduce(..) = target {
        *target = Value::List(Vec::new()); // a list subclass: keep its items
    }
    match target {
        Value::List(list) => {
            list.extend(items);
            Ok(())
        }
        other => Err(format!("cannot append to {}", other.kind())),
    }
}

fn extend_dict(target: &mut Value, items: Vec<(Value, Value)>) -> Result<(), String> {
    if let Value::Reduce(..) = target {
        *target = Value::Dict(Vec::new()); // a dict subclass: keep its items
    }
    match target {
        // No de-duplication: a pickled dict has unique keys, and `load_into` reports repeats.
        Value::Dict(dict) => {
            dict.extend(items);
            Ok(())
        }
        other => Err(format!("cannot set items on {}", other.kind())),
    }
}

/// REDUCE / NEWOBJ. `collections.OrderedDict` becomes a plain (ordered) dict so SETITEMS can fill
/// it; every other call stays symbolic.
fn reduce(func: Value, args: Value) -> Result<Value, String> {
    if func == Value::Global("collections".into(), "OrderedDict".into()) {
        return match args {
            Value::Tuple(a) if a.is_empty() => Ok(Value::Dict(Vec::new())),
            Value::Tuple(mut a) if a.len() == 1 => dict_from_pairs(a.remove(0)),
            other => Err(format!("OrderedDict called with {}", other.kind())),
        };
    }
    let mut both = nestable(vec![func, args])?;
    let args = both.pop().unwrap_or(Value::None);
    let func = both.pop().unwrap_or(Value::None);
    Ok(Value::Reduce(Box::new(func), Box::new(args)))
}

/// `OrderedDict([(k, v), ...])`.
fn dict_from_pairs(items: Value) -> Result<Value, String> {
    let (Value::List(items) | Value::Tuple(items)) = items else {
        return Err(format!("OrderedDict called with {}", items.kind()));
    };
    let mut dict = Value::Dict(Vec::new());
    for item in items {
        match item {
            Value::Tuple(mut kv) | Value::List(mut kv) if kv.len() == 2 => {
                let v = kv.pop().unwrap_or(Value::None);
                let k = kv.pop().unwrap_or(Value::None);
                extend_dict(&mut dict, vec![(k, v)])?;
            }
            other => return Err(format!("OrderedDict item is a {}, not a pair", other.kind())),
        }
    }
    Ok(dict)
}

/// BUILD: a dict's state is its instance attributes (OrderedDict's `_metadata`), not items, so it
/// is dropped; any other object records its state.
fn build(target: &mut Value, state: Value) -> Result<(), String> {
    if matches!(target, Value::Dict(_)) {
        return Ok(());
    }
    if target.depth() >= MAX_DEPTH {
        return Err(format!("objects nested more than {MAX_DEPTH} deep"));
    }
    let obj = std::mem::replace(target, Value::None);
    *target = Value::Build(Box::new(obj), Box::new(state));
    Ok(())
}
