//! Every module's forward output and gradients against PyTorch (fixtures from
//! `fixtures/gen_nn_fixtures.py`, weights and inputs from the shared fill pattern).

mod common;

use autograd::Var;
use common::{assert_matches, check_case, fill, fill_params, fixtures, on_device_of};
use nn::{
    BatchNorm, Conv2d, ConvDecoder, ConvEncoder, ConvTranspose2d, HybridConfig, HybridConvMlpEncoder, Linear, Mdn, Mlp,
    MlpConfig, Module, Norm, ProcessingLstm, RealNvp, RecurrentPredictor,
};
use tensor::rand::{SeedableRng, rngs::StdRng};

fn rng() -> StdRng {
    StdRng::seed_from_u64(0)
}

#[test]
fn linear() {
    let m = Linear::new("lin", 5, 3, true, &mut rng());
    fill_params(&m);
    check_case(&fixtures()["modules"]["linear"], &m, fill(&[4, 5], "x", 1.0), |t, x| m.forward(t, x));
}

#[test]
fn mlp_with_each_norm() {
    for (key, norm) in [("mlp_batch", Norm::Batch), ("mlp_layer", Norm::Layer), ("mlp_none", Norm::None)] {
        let cfg = MlpConfig { in_dim: 6, mid_dim: 8, out_dim: 3, num_layers: 2, norm, slope: 0.2 };
        let m = Mlp::new("mlp", cfg, &mut rng());
        fill_params(&m);
        let case = &fixtures()["modules"][key];
        check_case(case, &m, fill(&[5, 6], "x", 1.0), |t, x| m.forward(t, x));
        if norm == Norm::Batch {
            for b in m.buffers().iter().filter(|b| b.name().contains("running")) {
                assert_matches(b.name(), &b.value(), &case["buffers"][b.name()]);
            }
        }
    }
}

#[test]
fn batchnorm2d_eval_uses_running_stats() {
    let mut bn = BatchNorm::new("bn", 3);
    fill_params(&bn);
    bn.running_mean.set(fill(&[3], "rm", 0.3));
    bn.running_var.set(fill(&[3], "rv", 0.3).abs().add_scalar(0.5));
    bn.eval();
    check_case(&fixtures()["modules"]["batchnorm2d_eval"], &bn, fill(&[2, 3, 4, 5], "x", 1.0), |t, x| bn.forward(t, x));
}

#[test]
fn conv2d_and_transpose() {
    let m = Conv2d::new("conv", (3, 4), 3, (2, 1), true, &mut rng());
    fill_params(&m);
    check_case(&fixtures()["modules"]["conv2d"], &m, fill(&[2, 3, 7, 7], "x", 1.0), |t, x| m.forward(t, x));
    let m = ConvTranspose2d::new("convt", (4, 3), 4, (2, 1, 1), true, &mut rng());
    fill_params(&m);
    check_case(&fixtures()["modules"]["conv_transpose2d"], &m, fill(&[2, 4, 5, 5], "x", 1.0), |t, x| m.forward(t, x));
}

#[test]
fn conv_encoder_64_and_84() {
    for img in [64, 84] {
        let m = ConvEncoder::new("enc", img, 6, 4, 8, Norm::Batch, &mut rng());
        fill_params(&m);
        let case = &fixtures()["modules"][format!("conv_encoder_{img}")];
        check_case(case, &m, fill(&[2, 6, img, img], "x", 1.0), |t, x| m.forward(t, x));
    }
}

#[test]
fn processing_lstm() {
    let m = ProcessingLstm::new("lstm", (4, 8, 3), 2, &mut rng());
    fill_params(&m);
    check_case(&fixtures()["modules"]["processing_lstm"], &m, fill(&[3, 5, 4], "x", 1.0), |t, x| m.forward(t, x));
}

#[test]
fn recurrent_predictor() {
    let m = RecurrentPredictor::new("dec", 5, 8, 3, 1, &mut rng());
    fill_params(&m);
    let case = &fixtures()["modules"]["recurrent_predictor"];
    check_case(case, &m, fill(&[2, 5], "x", 1.0), |t, x| m.forward(t, x, 6));
}

#[test]
fn realnvp_log_prob_plain_and_conditioned() {
    let m = RealNvp::new("flow", 4, 2, 32, &mut rng());
    fill_params(&m);
    check_case(&fixtures()["modules"]["realnvp"], &m, fill(&[5, 4], "x", 1.0), |t, x| m.log_prob(t, x, None));
    let cond = MlpConfig { in_dim: 3, mid_dim: 8, out_dim: 6, num_layers: 1, norm: Norm::None, slope: 0.2 };
    let m = RealNvp::conditioned("cflow", 4, 2, 16, cond, &mut rng());
    fill_params(&m);
    let obs = Var::constant(fill(&[5, 3], "obs", 1.0));
    let case = &fixtures()["modules"]["realnvp_conditioned"];
    check_case(case, &m, fill(&[5, 4], "x", 1.0), |t, x| m.log_prob(t, x, Some(&on_device_of(&obs, x))));
}

#[test]
fn mdn_gmm_log_prob() {
    let m = Mdn::new("mdn", 6, 3, 4, &mut rng());
    fill_params(&m);
    let target = Var::constant(fill(&[5, 3], "target", 1.0));
    check_case(&fixtures()["modules"]["mdn"], &m, fill(&[5, 6], "x", 1.0), |t, x| {
        m.forward(t, x).log_prob(&on_device_of(&target, x))
    });
}

#[test]
fn hybrid_conv_mlp_encoder() {
    let c = HybridConfig {
        vector_dim: 7,
        img_size: 16,
        img_channels: 3,
        ngf: 4,
        nz_enc: 8,
        nz_mid: 16,
        n_layers: 1,
        out_dim: 2,
        norm: Norm::None,
    };
    let m = HybridConvMlpEncoder::new("hyb", c, &mut rng());
    fill_params(&m);
    let img = Var::constant(fill(&[2, 3, 16, 16], "img", 1.0));
    check_case(&fixtures()["modules"]["hybrid"], &m, fill(&[2, 7], "x", 1.0), |t, x| {
        m.forward(t, x, &on_device_of(&img, x))
    });
}

#[test]
fn conv_decoder_16() {
    let m = ConvDecoder::new("dec", 16, 3, 4, 6, Norm::Batch, &mut rng());
    fill_params(&m);
    check_case(&fixtures()["modules"]["conv_decoder_16"], &m, fill(&[2, 6], "x", 1.0), |t, x| m.forward(t, x));
}
