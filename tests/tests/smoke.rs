use autograd::{GradcheckOptions, gradcheck};
use tensor::Tensor;
use tensor::rand::{SeedableRng, rngs::StdRng};

#[test]
fn smoke_conv_softmax() {
    let mut rng = StdRng::seed_from_u64(0);
    let x = Tensor::randn(&[2, 3, 6, 5], 0.0, 1.0, &mut rng);
    let w = Tensor::randn(&[4, 3, 3, 3], 0.0, 0.5, &mut rng);
    let b = Tensor::randn(&[4], 0.0, 0.5, &mut rng);
    gradcheck(|v| v[0].conv2d(&v[1], Some(&v[2]), 2, 1, 1), &[x.clone(), w, b], GradcheckOptions::default()).unwrap();
    let wt = Tensor::randn(&[3, 2, 3, 3], 0.0, 0.5, &mut rng);
    gradcheck(|v| v[0].conv_transpose2d(&v[1], None, 2, 1, 1, 1), &[x.clone(), wt], GradcheckOptions::default())
        .unwrap();
    gradcheck(|v| v[0].max_pool2d(2, 2, 0), &[x.clone()], GradcheckOptions::default()).unwrap();
    gradcheck(|v| v[0].adaptive_avg_pool2d(4, 3), &[x.clone()], GradcheckOptions::default()).unwrap();
    gradcheck(|v| v[0].log_softmax(1), &[x.clone()], GradcheckOptions::default()).unwrap();
    gradcheck(|v| v[0].logsumexp(&[1, 3], false), &[x.clone()], GradcheckOptions::default()).unwrap();
    let a = Tensor::randn(&[2, 1, 3, 4], 0.0, 1.0, &mut rng);
    let bm = Tensor::randn(&[5, 4, 2], 0.0, 1.0, &mut rng);
    gradcheck(|v| v[0].matmul(&v[1]), &[a, bm], GradcheckOptions::default()).unwrap();
}
