//! RFC 6962 proofs served by the log, checked by verifiers written here from RFC 9162
//! §2.1.3.2 and §2.1.4.2, over roots computed here from the stored record bytes.

mod common;

use palisade_audit::{scan, AuditLog, AuditOptions, Hash};
use palisade_core::IdentitySealer;
use ring::digest::{digest, SHA256};
use std::ops::ControlFlow;

fn h(parts: &[&[u8]]) -> Hash {
    let joined: Vec<u8> = parts.concat();
    digest(&SHA256, &joined).as_ref().try_into().unwrap()
}

fn node(l: &Hash, r: &Hash) -> Hash {
    h(&[&[1], l, r])
}

/// MTH(D[n]) by the RFC's definition.
fn mth(leaves: &[Vec<u8>]) -> Hash {
    match leaves.len() {
        0 => h(&[]),
        1 => h(&[&[0], &leaves[0]]),
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// Shifts `fn_` and `sn` right together until `fn_`'s low bit is set or it is 0.
fn shift_until_odd_or_zero(fn_: &mut u64, sn: &mut u64) {
    while *fn_ & 1 == 0 && *fn_ != 0 {
        *fn_ >>= 1;
        *sn >>= 1;
    }
}

fn verify_inclusion(index: u64, size: u64, leaf: Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn, mut r) = (index, size - 1, leaf);
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node(p, &r);
            shift_until_odd_or_zero(&mut fn_, &mut sn);
        } else {
            r = node(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && &r == root
}

fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if first == 0 || first > second || proof.is_empty() {
        return false;
    }
    let mut path = proof.to_vec();
    if first.is_power_of_two() {
        path.insert(0, *first_root);
    }
    let (mut fn_, mut sn) = (first - 1, second - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node(c, &fr);
            sr = node(c, &sr);
            shift_until_odd_or_zero(&mut fn_, &mut sn);
        } else {
            sr = node(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && &fr == first_root && &sr == second_root
}

/// A log of `n` records and the bytes of each.
fn log_with(n: u64) -> (tempfile::TempDir, AuditLog, Vec<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::open(dir.path(), &IdentitySealer, AuditOptions::default()).unwrap();
    for i in 0..n {
        assert_eq!(log.append_blocking(common::event(i)).unwrap(), i);
    }
    let mut leaves = Vec::new();
    scan::scan(&dir.path().join(scan::RECORDS_FILE), None, |_, bytes, _| {
        leaves.push(bytes.to_vec());
        ControlFlow::Continue(())
    })
    .unwrap();
    (dir, log, leaves)
}

#[test]
fn every_inclusion_proof_verifies_and_wrong_ones_do_not() {
    let (_dir, log, leaves) = log_with(37);
    for size in 1..=leaves.len() as u64 {
        let root = mth(&leaves[..size as usize]);
        assert_eq!(log.root(size).unwrap(), root, "root of {size}");
        for index in 0..size {
            let leaf = h(&[&[0], &leaves[index as usize]]);
            let proof = log.inclusion_proof(index, size).unwrap();
            assert!(
                verify_inclusion(index, size, leaf, &proof, &root),
                "leaf {index} of {size}"
            );
            if let Some(first) = proof.first() {
                let mut bad = proof.clone();
                bad[0][0] ^= 1;
                assert!(!verify_inclusion(index, size, leaf, &bad, &root));
                assert_ne!(first, &leaf);
            }
            if size > 1 {
                let other = (index + 1) % size;
                assert!(!verify_inclusion(other, size, leaf, &proof, &root));
            }
        }
    }
}

#[test]
fn every_consistency_proof_verifies_and_wrong_ones_do_not() {
    let (_dir, log, leaves) = log_with(37);
    let roots: Vec<Hash> = (0..=leaves.len()).map(|n| mth(&leaves[..n])).collect();
    for second in 1..=leaves.len() as u64 {
        for first in 1..=second {
            let proof = log.consistency_proof(first, second).unwrap();
            let (r1, r2) = (&roots[first as usize], &roots[second as usize]);
            assert!(
                verify_consistency(first, second, r1, r2, &proof),
                "{first} -> {second}"
            );
            if first < second {
                let mut wrong = *r1;
                wrong[5] ^= 0x40;
                assert!(!verify_consistency(first, second, &wrong, r2, &proof));
                assert!(!verify_consistency(first, second, r1, &wrong, &proof));
            }
        }
    }
}

#[test]
fn signed_tree_head_covers_the_whole_log() {
    let (_dir, log, leaves) = log_with(10);
    let head = log.tree_head();
    assert_eq!(head.tree_size, 10);
    let root = head.verify(log.public_key()).unwrap();
    assert_eq!(root, mth(&leaves));
}
