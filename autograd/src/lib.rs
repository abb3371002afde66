//! `autograd`: reverse-mode differentiation over `tensor` ops.
//!
//! A [`Tape`] records each op of one forward pass with its backward closure (in `ops/`, written
//! with tensor ops right beside the forward); [`Var::backward`] replays them in reverse and
//! returns [`Grads`] keyed by [`Param`] id. `Tape::no_grad()` records nothing.
//!
//! ```
//! use autograd::{Param, Tape};
//! use tensor::Tensor;
//! let w = Param::new("w", Tensor::from_vec(vec![2.0], &[1]));
//! let tape = Tape::new();
//! let x = tape.param(&w);
//! let loss = x.mul(&x).sum_all(); // w^2
//! let grads = loss.backward();
//! assert_eq!(grads.get(&w).unwrap().to_vec(), vec![4.0]);
//! ```

mod arith;
pub mod gradcheck;
mod grads;
pub mod ops;
mod param;
mod tape;
mod var;

pub use gradcheck::{GradcheckOptions, gradcheck};
pub use grads::Grads;
pub use param::{Param, ParamId};
pub use tape::{BackwardFn, Tape};
pub use var::Var;
