//! Loading a backbone from a PyTorch checkpoint (`.pth`, zip or legacy; or safetensors) whose keys
//! may carry a wrapper prefix (`module.convnet.` in R3M's files, `state_dict.` in training
//! snapshots) and a classifier (`fc.*`, `_fc.*`) the backbone does not have.

use crate::checkpoint::{CheckpointError, LoadOptions, import_pth, load, load_into, module_slots};
use crate::module::Module;
use std::path::Path;
use tensor::Tensor;

/// The prefix in front of `anchor` (a parameter name such as `conv1.weight`): the shortest key
/// that is `anchor` or ends in `.anchor` decides (`layer1.0.conv1.weight` is longer than the stem's
/// `module.convnet.conv1.weight`). `None` when no key fits.
pub fn key_prefix(names: &[&str], anchor: &str) -> Option<String> {
    names
        .iter()
        .filter(|n| **n == anchor || n.ends_with(&format!(".{anchor}")))
        .min_by_key(|n| n.len())
        .map(|n| n[..n.len() - anchor.len()].to_string())
}

/// Reads every tensor of `path`: safetensors by extension, otherwise a PyTorch `.pth`.
fn read(path: &Path) -> Result<Vec<(String, Tensor)>, CheckpointError> {
    if path.extension().is_some_and(|e| e == "safetensors") {
        return Ok(load(path)?.tensors);
    }
    import_pth(path)
}

/// Loads `module` (every parameter and buffer, strictly) from `path`. The prefix in front of the
/// module's first parameter name is found and removed; keys outside it and keys under
/// `classifier` (e.g. `"fc."`) are ignored. Errors name the file and what is missing or misshapen.
pub fn load_backbone(module: &dyn Module, path: &Path, classifier: &str) -> Result<(), CheckpointError> {
    let tensors = read(path)?;
    let slots = module_slots(module);
    let anchor = slots.first().map(|p| p.name().to_string()).unwrap_or_default();
    let names: Vec<&str> = tensors.iter().map(|(n, _)| n.as_str()).collect();
    let Some(prefix) = key_prefix(&names, &anchor) else {
        let shown: Vec<&str> = names.iter().take(5).copied().collect();
        return Err(CheckpointError::Invalid {
            path: path.to_path_buf(),
            detail: format!(
                "no `{anchor}` (or `<prefix>.{anchor}`) among its {} tensors (first: {shown:?}): not a checkpoint \
                 of this network",
                names.len()
            ),
        });
    };
    let inside: Vec<(String, Tensor)> = tensors
        .into_iter()
        .filter_map(|(n, t)| n.strip_prefix(prefix.as_str()).map(|k| (k.to_string(), t)))
        .filter(|(n, _)| classifier.is_empty() || !n.starts_with(classifier))
        .collect();
    load_into(&slots, &inside, path, &LoadOptions::default())
}

#[cfg(test)]
mod tests {
    use super::key_prefix;

    #[test]
    fn finds_the_wrapper_prefix() {
        let r3m = ["module.lang_enc.x", "module.convnet.layer1.0.conv1.weight", "module.convnet.conv1.weight"];
        assert_eq!(key_prefix(&r3m, "conv1.weight").as_deref(), Some("module.convnet."));
        assert_eq!(key_prefix(&["layer1.0.conv1.weight", "conv1.weight"], "conv1.weight").as_deref(), Some(""));
        assert_eq!(key_prefix(&["fc.weight"], "conv1.weight"), None);
    }
}
