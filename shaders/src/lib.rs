//! `shaders`: the WGSL kernel files of the GPU backend and an `include_str!` table over them.
//!
//! One file per kernel family under `src/wgsl/<family>/`, each opening with a header comment
//! (what it computes, bindings, dispatch size, overrides). No logic lives here: the backend in
//! `tensor::gpu` picks a [`Kernel`], its entry point and override constants. naga parses and
//! validates every file in a plain `cargo test` (no GPU needed).

/// Every WGSL kernel of the GPU backend: one variant per (file, entry point).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    Unary,
    Binary,
    Where,
    Copy,
    ReduceTree,
    ReduceThread,
    ArgExtreme,
    Matmul,
    MatmulWide,
    MatmulWideF16,
    Im2col,
    Col2im,
    Depthwise,
    Gather,
    ScatterAdd,
    ScatterAddTree,
    ChannelMoments,
    ChannelGradSums,
    ChannelAffine,
    ChannelAffinePair,
    LstmForward,
    LstmBackwardH,
    LstmBackwardC,
}

impl Kernel {
    /// Every kernel once (tests iterate this list).
    pub const ALL: [Kernel; 23] = [
        Kernel::Unary,
        Kernel::Binary,
        Kernel::Where,
        Kernel::Copy,
        Kernel::ReduceTree,
        Kernel::ReduceThread,
        Kernel::ArgExtreme,
        Kernel::Matmul,
        Kernel::MatmulWide,
        Kernel::MatmulWideF16,
        Kernel::Im2col,
        Kernel::Col2im,
        Kernel::Depthwise,
        Kernel::Gather,
        Kernel::ScatterAdd,
        Kernel::ScatterAddTree,
        Kernel::ChannelMoments,
        Kernel::ChannelGradSums,
        Kernel::ChannelAffine,
        Kernel::ChannelAffinePair,
        Kernel::LstmForward,
        Kernel::LstmBackwardH,
        Kernel::LstmBackwardC,
    ];

    /// The WGSL file, relative to `src/wgsl/`.
    pub fn file(self) -> &'static str {
        use Kernel::*;
        match self {
            Unary => "elementwise/unary.wgsl",
            Binary => "elementwise/binary.wgsl",
            Where => "elementwise/where.wgsl",
            Copy => "elementwise/copy.wgsl",
            ReduceTree | ReduceThread => "reduce/reduce.wgsl",
            ArgExtreme => "reduce/arg.wgsl",
            Matmul => "matrix/matmul.wgsl",
            MatmulWide => "matrix/matmul_wide.wgsl",
            MatmulWideF16 => "matrix/matmul_wide_f16.wgsl",
            Im2col | Col2im => "conv/im2col.wgsl",
            Depthwise => "conv/depthwise.wgsl",
            Gather | ScatterAdd | ScatterAddTree => "index/gather.wgsl",
            ChannelMoments | ChannelGradSums | ChannelAffine | ChannelAffinePair => "norm/channels.wgsl",
            LstmForward | LstmBackwardH | LstmBackwardC => "lstm/cell.wgsl",
        }
    }

    /// Files prepended to the kernel's own (shared declarations), relative to `src/wgsl/`.
    pub fn prelude(self) -> &'static [&'static str] {
        match self {
            Kernel::Matmul => &["matrix/common.wgsl"],
            Kernel::MatmulWide | Kernel::MatmulWideF16 => &["matrix/common.wgsl", "matrix/wide_common.wgsl"],
            _ => &[],
        }
    }

    /// The WGSL source of the kernel: its prelude files, then its own file (an `enable`
    /// directive, where the kernel needs one, first of all).
    pub fn source(self) -> &'static str {
        use Kernel::*;
        match self {
            Unary => include_str!("wgsl/elementwise/unary.wgsl"),
            Binary => include_str!("wgsl/elementwise/binary.wgsl"),
            Where => include_str!("wgsl/elementwise/where.wgsl"),
            Copy => include_str!("wgsl/elementwise/copy.wgsl"),
            ReduceTree | ReduceThread => include_str!("wgsl/reduce/reduce.wgsl"),
            ArgExtreme => include_str!("wgsl/reduce/arg.wgsl"),
            Matmul => concat!(include_str!("wgsl/matrix/common.wgsl"), include_str!("wgsl/matrix/matmul.wgsl")),
            MatmulWide => concat!(
                include_str!("wgsl/matrix/common.wgsl"),
                include_str!("wgsl/matrix/wide_common.wgsl"),
                include_str!("wgsl/matrix/matmul_wide.wgsl")
            ),
            MatmulWideF16 => concat!(
                "enable f16;\n",
                include_str!("wgsl/matrix/common.wgsl"),
                include_str!("wgsl/matrix/wide_common.wgsl"),
                include_str!("wgsl/matrix/matmul_wide_f16.wgsl")
            ),
            Im2col | Col2im => include_str!("wgsl/conv/im2col.wgsl"),
            Depthwise => include_str!("wgsl/conv/depthwise.wgsl"),
            Gather | ScatterAdd | ScatterAddTree => include_str!("wgsl/index/gather.wgsl"),
            ChannelMoments | ChannelGradSums | ChannelAffine | ChannelAffinePair => {
                include_str!("wgsl/norm/channels.wgsl")
            }
            LstmForward | LstmBackwardH | LstmBackwardC => include_str!("wgsl/lstm/cell.wgsl"),
        }
    }

    /// The entry point (the `@compute fn`) this kernel runs.
    pub fn entry_point(self) -> &'static str {
        use Kernel::*;
        match self {
            Unary | Binary | Where | Copy | ArgExtreme | Matmul | MatmulWide | MatmulWideF16 => "main",
            ReduceTree => "reduce_tree",
            ReduceThread => "reduce_thread",
            Im2col => "im2col",
            Col2im => "col2im",
            Depthwise => "depthwise",
            Gather => "gather",
            ScatterAdd => "scatter_add",
            ScatterAddTree => "scatter_add_tree",
            ChannelMoments => "moments",
            ChannelGradSums => "grad_sums",
            ChannelAffine => "affine",
            ChannelAffinePair => "affine_pair",
            LstmForward => "forward",
            LstmBackwardH => "backward_h",
            LstmBackwardC => "backward_c",
        }
    }

    /// The kernel uses WGSL `f16` (`enable f16;`): it compiles only on a device with `shader-f16`.
    pub fn needs_f16(self) -> bool {
        matches!(self, Kernel::MatmulWideF16)
    }

    /// A short name for labels and error messages.
    pub fn name(self) -> &'static str {
        use Kernel::*;
        match self {
            Unary => "unary",
            Binary => "binary",
            Where => "where",
            Copy => "copy_strided",
            ReduceTree => "reduce_tree",
            ReduceThread => "reduce_thread",
            ArgExtreme => "arg_extreme",
            Matmul => "matmul",
            MatmulWide => "matmul_wide",
            MatmulWideF16 => "matmul_wide_f16",
            Im2col => "im2col",
            Col2im => "col2im",
            Depthwise => "depthwise_conv2d",
            Gather => "gather",
            ScatterAdd => "scatter_add",
            ScatterAddTree => "scatter_add_tree",
            ChannelMoments => "channel_moments",
            ChannelGradSums => "channel_grad_sums",
            ChannelAffine => "channel_affine",
            ChannelAffinePair => "channel_affine_pair",
            LstmForward => "lstm_forward",
            LstmBackwardH => "lstm_backward_h",
            LstmBackwardC => "lstm_backward_c",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Kernel;

    /// What naga may assume of the device: `f16` for the kernels that need it, nothing else.
    fn caps(k: Kernel) -> naga::valid::Capabilities {
        if k.needs_f16() { naga::valid::Capabilities::SHADER_FLOAT16 } else { naga::valid::Capabilities::empty() }
    }

    /// naga parses and validates every kernel file and finds each kernel's entry point.
    #[test]
    fn every_kernel_parses_and_validates() {
        for k in Kernel::ALL {
            let module = naga::front::wgsl::parse_str(k.source())
                .unwrap_or_else(|e| panic!("{}: {}", k.file(), e.emit_to_string(k.source())));
            let mut validator = naga::valid::Validator::new(naga::valid::ValidationFlags::all(), caps(k));
            if let Err(e) = validator.validate(&module) {
                panic!("{}: {}", k.file(), e.emit_to_string(k.source()));
            }
            assert!(
                module.entry_points.iter().any(|e| e.name == k.entry_point()),
                "{}: no entry point {}",
                k.file(),
                k.entry_point()
            );
        }
    }

    /// Every file under src/wgsl is in the table (a new file cannot be forgotten).
    #[test]
    fn table_covers_every_file() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/wgsl");
        for family in std::fs::read_dir(&root).expect("src/wgsl exists") {
            let family = family.expect("readable dir entry").path();
            for file in std::fs::read_dir(&family).expect("family dir") {
                let p = file.expect("readable dir entry").path();
                let rel = p.strip_prefix(&root).expect("under root").to_string_lossy().replace('\\', "/");
                let used = |k: &Kernel| k.file() == rel || k.prelude().contains(&rel.as_str());
                assert!(Kernel::ALL.iter().any(used), "{rel} is not in Kernel::ALL");
            }
        }
    }

    /// Every file opens with a header comment naming its bindings and dispatch.
    #[test]
    fn every_file_has_a_header() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/wgsl");
        for k in Kernel::ALL {
            for rel in k.prelude().iter().chain([&k.file()]) {
                let text = std::fs::read_to_string(root.join(rel)).expect("kernel file readable");
                let head: String = text.lines().take_while(|l| l.starts_with("//")).collect::<Vec<_>>().join("\n");
                assert!(
                    head.contains("Bindings") && head.to_lowercase().contains("dispatch"),
                    "{rel}: header lacks bindings/dispatch"
                );
            }
        }
    }
}
