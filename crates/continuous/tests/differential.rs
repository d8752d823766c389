//! The fuzz targets' properties (`fuzz/`, run there for millions of inputs), at a smaller
//! count on every `cargo test`, over the same generators (`flipshift_testkit::strategies`) and
//! with the same checks (`flipshift_testkit::properties`):
//!
//! - no text makes the parser panic, and what parses prints as text that parses back to the
//!   same values;
//! - simplified and compiled expressions keep the values of the original where it is defined,
//!   within the rounding of both evaluations;
//! - for pairs from the closed-form families, the closed form and quadrature agree within the
//!   sum of their reported bounds.
//!
//! `PROPTEST_CASES=N` runs N cases of each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flipshift_testkit::properties::{
    Compared, POINTS, closed_form_agrees_with_quadrature, parse_round_trip, print_round_trip,
    simplify_keeps_values,
};
use flipshift_testkit::strategies::config;
use flipshift_testkit::strategies::exprs::{any_tree, parser_input};
use flipshift_testkit::strategies::families::family_pair;
use proptest::prelude::*;

proptest! {
    #![proptest_config(config(10_000))]

    #[test]
    fn any_text_parses_or_is_refused_and_what_parses_round_trips(src in parser_input()) {
        parse_round_trip(&src).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config(4000))]

    #[test]
    fn any_tree_prints_as_text_that_parses_back_to_its_values(e in any_tree()) {
        print_round_trip(&e).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn simplified_and_compiled_trees_keep_their_values(e in any_tree(), u in -4.0f64..4.0) {
        let mut points = POINTS.to_vec();
        points.push(u);
        simplify_keeps_values(&e, &points).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn closed_forms_and_quadrature_agree_within_their_bounds(p in family_pair()) {
        match closed_form_agrees_with_quadrature(&p, 5_000).map_err(TestCaseError::fail)? {
            Compared::Points(_) => {}
            // Every generated pair is in a family: a refusal is a recognition gap.
            Compared::NoClosedForm(why) => {
                return Err(TestCaseError::fail(format!("{p:?}\nno closed form: {why}")));
            }
        }
    }
}
