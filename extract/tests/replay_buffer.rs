//! `ReplayBuffer`: ring wrap-around, sampling bounds and uniformity, seeded determinism, compact
//! image storage, and save/load round trips (state dict and file) that continue identically.

use extract::rl::components::{ObsLayout, ReplayBuffer, Transition, decode_pixel, encode_pixel};
use tensor::rand::{SeedableRng, rngs::StdRng};

/// Transition `i`: obs `[i, -i]`, action `[i / 100]`, reward `i`, next obs `[i + 1, -i - 1]`, done every 7th.
fn push_numbered(buf: &mut ReplayBuffer, range: std::ops::Range<usize>) {
    for i in range {
        let x = i as f32;
        let (obs, next) = ([x, -x], [x + 1.0, -x - 1.0]);
        buf.push(&Transition { obs: &obs, action: &[x / 100.0], reward: x, next_obs: &next, done: i % 7 == 6 });
    }
}

fn rewards(buf: &ReplayBuffer) -> Vec<f32> {
    buf.gather(&(0..buf.len()).collect::<Vec<_>>()).reward.to_vec()
}

#[test]
fn ring_overwrites_the_oldest_transitions() {
    let mut buf = ReplayBuffer::new(5, ObsLayout::state(2), 1);
    push_numbered(&mut buf, 0..3);
    assert_eq!((buf.len(), rewards(&buf)), (3, vec![0.0, 1.0, 2.0]));
    push_numbered(&mut buf, 3..8);
    // Rows 0..3 now hold transitions 5, 6, 7; rows 3, 4 still hold 3, 4.
    assert_eq!((buf.len(), rewards(&buf)), (5, vec![5.0, 6.0, 7.0, 3.0, 4.0]));
    let b = buf.gather(&[1]);
    assert_eq!(b.obs.to_vec(), vec![6.0, -6.0]);
    assert_eq!(b.next_obs.to_vec(), vec![7.0, -7.0]);
    assert_eq!(b.action.to_vec(), vec![0.06]);
    assert_eq!(b.done.to_vec(), vec![1.0]);
    assert_eq!((b.obs.shape(), b.reward.shape(), b.done.shape()), (&[1, 2][..], &[1, 1][..], &[1, 1][..]));
}

#[test]
fn samples_only_filled_rows_uniformly() {
    let mut buf = ReplayBuffer::new(100, ObsLayout::state(2), 1);
    push_numbered(&mut buf, 0..4);
    let n = 40_000;
    let idx = buf.sample_indices(n, &mut StdRng::seed_from_u64(1));
    let mut counts = [0usize; 4];
    for i in idx {
        assert!(i < 4, "sampled unfilled row {i}");
        counts[i] += 1;
    }
    // Binomial(40000, 1/4): sd ~ 87; 5 sd bounds fail by chance with probability < 1e-5.
    assert!(counts.iter().all(|&c| c.abs_diff(n / 4) < 435), "{counts:?}");
    let batch = buf.sample(256, &mut StdRng::seed_from_u64(2));
    assert!(batch.reward.to_vec().iter().all(|&r| (0.0..4.0).contains(&r)));
    assert_eq!(batch.len(), 256);
}

#[test]
fn sampling_is_determined_by_the_seed() {
    let mut buf = ReplayBuffer::new(1000, ObsLayout::state(2), 1);
    push_numbered(&mut buf, 0..1000);
    let draw = |seed| buf.sample(64, &mut StdRng::seed_from_u64(seed)).reward.to_vec();
    assert_eq!(draw(3), draw(3));
    assert_ne!(draw(3), draw(4));
}

#[test]
#[should_panic(expected = "obs has 3 values, the layout has 2 + 0")]
fn push_rejects_a_wrong_observation_size() {
    let mut buf = ReplayBuffer::new(4, ObsLayout::state(2), 1);
    buf.push(&Transition { obs: &[0.0; 3], action: &[0.0], reward: 0.0, next_obs: &[0.0; 2], done: false });
}

/// A 2-d state followed by a 12-value "image" in [-1, 1].
fn image_obs(i: usize) -> Vec<f32> {
    let mut v = vec![i as f32 * 0.123_456_7, -1e-7 * i as f32];
    v.extend((0..12).map(|k| ((i * 12 + k) as f32 * 0.37).sin()));
    v
}

fn image_buffer(capacity: usize, n: usize) -> ReplayBuffer {
    let mut buf = ReplayBuffer::new(capacity, ObsLayout { state_dim: 2, image_dim: 12 }, 3);
    for i in 0..n {
        let (obs, next) = (image_obs(i), image_obs(i + 1));
        let action = [i as f32 * 0.01, -0.5, 0.25];
        buf.push(&Transition { obs: &obs, action: &action, reward: -(i as f32), next_obs: &next, done: false });
    }
    buf
}

#[test]
fn image_part_is_stored_as_bytes_and_state_part_exactly() {
    let buf = image_buffer(8, 5);
    let obs = buf.gather(&[3]).obs.to_vec();
    let want = image_obs(3);
    assert_eq!(&obs[..2], &want[..2], "state part must be exact");
    for (g, w) in obs[2..].iter().zip(&want[2..]) {
        assert!((g - w).abs() <= 0.5 / 127.5 + 1e-6, "image value {w} came back as {g}");
        assert_eq!(*g, decode_pixel(encode_pixel(*w)));
    }
}

fn assert_same(a: &ReplayBuffer, b: &ReplayBuffer) {
    let rows: Vec<usize> = (0..a.len()).collect();
    let (x, y) = (a.gather(&rows), b.gather(&rows));
    for (p, q) in
        [(x.obs, y.obs), (x.action, y.action), (x.reward, y.reward), (x.next_obs, y.next_obs), (x.done, y.done)]
    {
        assert_eq!(p.to_vec(), q.to_vec());
    }
}

#[test]
fn state_dict_round_trip_continues_identically() {
    let mut a = image_buffer(6, 9); // wrapped: cursor 3
    let mut b = ReplayBuffer::new(6, a.layout(), 3);
    b.load_state_dict(&a.state_dict()).unwrap();
    assert_eq!(b.len(), 6);
    assert_same(&a, &b);
    let more = |buf: &mut ReplayBuffer| {
        let o = image_obs(50);
        buf.push(&Transition { obs: &o, action: &[0.0; 3], reward: 50.0, next_obs: &o, done: true })
    };
    more(&mut a);
    more(&mut b);
    assert_same(&a, &b);
    assert_eq!(b.gather(&[3]).reward.to_vec(), vec![50.0], "the restored cursor must write row 3 next");
}

#[test]
fn file_round_trip_is_compact_and_exact() {
    let dir = std::env::temp_dir().join(format!("extract-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("replay.safetensors");
    let a = image_buffer(64, 40);
    a.save(&path).unwrap();
    let mut b = ReplayBuffer::new(64, a.layout(), 3);
    b.load(&path).unwrap();
    assert_same(&a, &b);
    // 40 rows x 2 image columns x 12 bytes as u8 (f32 would add 2880 bytes).
    let f32_image_bytes = 40 * 2 * 12 * 4;
    let size = std::fs::metadata(&path).unwrap().len() as usize;
    assert!(size < 40 * (2 * 2 + 3 + 2) * 4 + f32_image_bytes / 4 + 2048, "file is {size} bytes");
    let mut wrong = ReplayBuffer::new(32, a.layout(), 3);
    let err = wrong.load(&path).unwrap_err();
    assert!(err.contains("replay.safetensors") && err.contains("'capacity' is 64"), "{err}");
    let mut other = ReplayBuffer::new(64, ObsLayout { state_dim: 3, image_dim: 11 }, 3);
    let err = other.load(&path).unwrap_err();
    assert!(err.contains("'obs.state' has shape [40, 2], expected [40, 3]"), "{err}");
    assert!(other.is_empty(), "a failed load must leave the buffer unchanged");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn load_rejects_inconsistent_state() {
    let a = image_buffer(6, 4);
    let mut state = a.state_dict();
    let cursor = state.iter_mut().find(|(k, _)| k == "cursor").unwrap();
    cursor.1 = tensor::Tensor::scalar(1.0);
    let err = ReplayBuffer::new(6, a.layout(), 3).load_state_dict(&state).unwrap_err();
    assert!(err.contains("cursor 1 and len 4"), "{err}");
    let state: Vec<_> = a.state_dict().into_iter().filter(|(k, _)| k != "reward").collect();
    let err = ReplayBuffer::new(6, a.layout(), 3).load_state_dict(&state).unwrap_err();
    assert_eq!(err, "replay state has no 'reward' entry");
}

/// Features `[3 * obs_0, obs_1 + 1]` of flat observations `[n, 2]`.
fn feature_of(obs: &tensor::Tensor) -> tensor::Tensor {
    let v: Vec<f32> = obs.to_vec().chunks(2).flat_map(|o| [3.0 * o[0], o[1] + 1.0]).collect();
    tensor::Tensor::from_vec(v, &[obs.dim(0), 2])
}

#[test]
fn stored_features_follow_their_rows_through_sampling_and_checkpoints() {
    let mut buf = ReplayBuffer::with_features(4, ObsLayout::state(2), 1, 2);
    assert_eq!((buf.feature_dim(), ReplayBuffer::new(4, ObsLayout::state(2), 1).feature_dim()), (2, 0));
    for i in 0..6 {
        let x = i as f32;
        let row =
            buf.push(&Transition { obs: &[x, -x], action: &[0.0], reward: x, next_obs: &[x + 1.0, 0.0], done: false });
        assert_eq!(row, i % 4);
        let b = buf.gather(&[row]);
        buf.set_features(&[row], &feature_of(&b.obs), &feature_of(&b.next_obs));
    }
    // Rows hold transitions 4, 5, 2, 3.
    let b = buf.gather(&[1, 2]);
    let f = b.features.as_ref().expect("features");
    assert_eq!(f.obs.to_vec(), vec![15.0, -4.0, 6.0, -1.0]);
    assert_eq!(f.next_obs.to_vec(), vec![18.0, 1.0, 9.0, 1.0]);
    assert!(ReplayBuffer::new(4, ObsLayout::state(2), 1).gather(&[]).features.is_none());

    // A state dict carries them; one without them (an older run) loads with features_missing.
    let state = buf.state_dict();
    let mut back = ReplayBuffer::with_features(4, ObsLayout::state(2), 1, 2);
    back.load_state_dict(&state).unwrap();
    assert!(!back.features_missing());
    assert_eq!(
        back.gather(&[0, 1, 2, 3]).features.unwrap().obs.to_vec(),
        buf.gather(&[0, 1, 2, 3]).features.unwrap().obs.to_vec()
    );
    let old: Vec<_> = state.into_iter().filter(|(k, _)| !k.ends_with(".features")).collect();
    let mut back = ReplayBuffer::with_features(4, ObsLayout::state(2), 1, 2);
    back.load_state_dict(&old).unwrap();
    assert!(back.features_missing());
    back.recompute_features(3, feature_of);
    assert!(!back.features_missing());
    let all = [0, 1, 2, 3];
    assert_eq!(
        back.gather(&all).features.unwrap().next_obs.to_vec(),
        buf.gather(&all).features.unwrap().next_obs.to_vec()
    );
}
