//! Properties every version scheme must have: parsing never panics, and the ordering is a
//! total order (reflexive, antisymmetric, transitive) on whatever parses.

use palisade_vuln::version::{Scheme, Version};
use proptest::prelude::*;
use std::cmp::Ordering;

const DPKG: &str = "([0-9]{1,2}:)?[0-9]{1,3}[0-9a-z.~+]{0,6}(-[0-9a-z.~+]{1,5})?";
const PEP440: &str = "[vV]?([0-9]!)?[0-9]{1,3}(\\.[0-9]{1,3}){0,3}([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[0-9]{0,2})?([-_.]?(post|rev|r)[0-9]{0,2}|-[0-9])?([-_.]?dev[0-9]{0,2})?(\\+[a-z0-9]{1,3}([-_.][a-z0-9]{1,3}){0,2})?";
const SEMVER: &str = "[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}(-[0-9a-z]{1,3}(\\.[0-9a-z]{1,3}){0,2})?(\\+[0-9a-z]{1,4})?";

fn cmp(a: &Version, b: &Version) -> Ordering {
    a.partial_cmp(b).expect("same scheme")
}

fn check_total_order(scheme: Scheme, a: &str, b: &str, c: &str) -> Result<(), TestCaseError> {
    let (Ok(a), Ok(b), Ok(c)) = (scheme.parse(a), scheme.parse(b), scheme.parse(c)) else {
        return Ok(());
    };
    prop_assert_eq!(cmp(&a, &a), Ordering::Equal);
    prop_assert_eq!(cmp(&a, &b), cmp(&b, &a).reverse());
    prop_assert_eq!(cmp(&a, &b) == Ordering::Equal, a == b);
    if cmp(&a, &b) != Ordering::Greater && cmp(&b, &c) != Ordering::Greater {
        prop_assert_ne!(cmp(&a, &c), Ordering::Greater, "transitivity");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn dpkg_is_a_total_order(a in DPKG, b in DPKG, c in DPKG) {
        check_total_order(Scheme::Dpkg, &a, &b, &c)?;
    }

    #[test]
    fn pep440_is_a_total_order(a in PEP440, b in PEP440, c in PEP440) {
        check_total_order(Scheme::Pep440, &a, &b, &c)?;
    }

    #[test]
    fn pep440_normal_form_parses_to_the_same_version(a in PEP440) {
        if let Ok(Version::Pep440(v)) = Scheme::Pep440.parse(&a) {
            let again = Scheme::Pep440.parse(&v.to_string());
            prop_assert_eq!(again, Ok(Version::Pep440(v)));
        }
    }

    #[test]
    fn semver_is_a_total_order(a in SEMVER, b in SEMVER, c in SEMVER) {
        check_total_order(Scheme::Semver, &a, &b, &c)?;
    }

    #[test]
    fn no_scheme_panics_on_arbitrary_text(text in "\\PC{0,40}", bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        let lossy = String::from_utf8_lossy(&bytes);
        for scheme in [Scheme::Dpkg, Scheme::Pep440, Scheme::Semver] {
            let _ = scheme.parse(&text);
            let _ = scheme.compare(&text, &lossy);
            let _ = scheme.compare(&lossy, "1.0");
        }
    }
}
