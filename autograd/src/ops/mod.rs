//! Differentiable ops on `Var`, one file per family; each forward sits beside its backward.

pub mod conv;
pub mod elementwise;
pub mod index;
pub mod linalg;
pub mod norm;
pub mod recurrent;
pub mod reduce;
pub mod shape;

/// Differentiable `Var` ops beyond the op-table entries (`UnaryOp::ALL`, non-comparison
/// `BinaryOp::ALL`, `ReduceOp::ALL`). The gradcheck table must have a row for each of these and
/// for every op-table entry; a test fails when one is missing.
pub const DIFFERENTIABLE_OPS: &[&str] = &[
    "where",
    "mean",
    "var",
    "logsumexp",
    "softmax",
    "log_softmax",
    "matmul",
    "linear",
    "im2col",
    "col2im",
    "conv2d",
    "depthwise_conv2d",
    "conv_transpose2d",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "gather",
    "scatter_add",
    "index_select",
    "reshape",
    "permute",
    "transpose",
    "narrow",
    "select",
    "broadcast_to",
    "squeeze",
    "unsqueeze",
    "contiguous",
    "cat",
    "stack",
    "split",
    "batch_norm",
    "lstm_cell_pointwise",
];
