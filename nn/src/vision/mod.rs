//! ImageNet backbones for frame embeddings: EfficientNet-Lite0 and ResNet-50 (R3M's), built from
//! `ConvBn` units, with their input normalisation and checkpoint loading.

mod conv_bn;
mod efficientnet;
mod load;
mod resnet;

pub use conv_bn::{ConvBn, Padding, same_padding};
pub use efficientnet::{EfficientNetLite0, MbConv};
pub use load::{key_prefix, load_backbone};
pub use resnet::{Bottleneck, ResNet50};

/// ImageNet channel means (RGB), as torchvision's `Normalize` and R3M use them.
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// ImageNet channel standard deviations (RGB).
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];
