//! Fused recurrent-cell ops on `Var`: the LSTM cell's pointwise step (gate activations, cell
//! and hidden update) as one op forward and two fused kernels backward.

use crate::var::Var;
use std::cell::RefCell;
use std::rc::Rc;
use tensor::Tensor;

impl Var {
    /// The pointwise part of an LSTM cell step: `gates: [b, 4h]` pre-activations in PyTorch's
    /// `[i, f, g, o]` order and `c: [b, h]` -> `(h_new, c_new)`, both `[b, h]`, with
    /// `c_new = σ(f)·c + σ(i)·tanh(g)` and `h_new = σ(o)·tanh(c_new)` (sigmoid and tanh as the
    /// op table's `apply`, so values equal the composition of those ops).
    ///
    /// Two outputs on a tape of one-output nodes: `c_new` is a node of `(gates, c)`, `h_new` a
    /// node of `c_new` alone, recorded after it so its backward runs first. That backward passes
    /// `c_new` its share `g_h·σ(o)·(1 - tanh²(c_new))` and leaves the output gate's gradient in
    /// a cell that the `c_new` backward reads, so `gates` gets one `[b, 4h]` gradient, written
    /// once (zeros in the `o` slice when `h_new` was not used).
    pub fn lstm_cell_pointwise(gates: &Var, c: &Var) -> (Var, Var) {
        let (h_new, c_new, act) = Tensor::lstm_cell(gates.value(), c.value());
        let d_o_cell: Rc<RefCell<Option<Tensor>>> = Rc::default();
        let (act_c, c_old, d_o_read) = (act.clone(), c.value().clone(), d_o_cell.clone());
        let c_var = Var::record(
            &[gates, c],
            c_new.clone(),
            Box::new(move |g, needs| {
                let d_o = d_o_read.borrow_mut().take();
                let (d_gates, d_c) = Tensor::lstm_cell_backward_c(&act_c, &c_old, g, d_o.as_ref());
                vec![needs[0].then_some(d_gates), needs[1].then_some(d_c)]
            }),
        );
        let h_var = Var::record(
            &[&c_var],
            h_new,
            Box::new(move |g, _| {
                let (d_o, d_c) = Tensor::lstm_cell_backward_h(&act, &c_new, g);
                *d_o_cell.borrow_mut() = Some(d_o);
                vec![Some(d_c)]
            }),
        );
        (h_var, c_var)
    }
}
