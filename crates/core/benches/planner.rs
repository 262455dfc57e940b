//! The same-day planner on a busy venue: 600 doses over 30-minute slots from 08:30 to 18:00.

use std::hint::black_box;

use chrono::{NaiveTime, TimeDelta};
use criterion::{Criterion, criterion_group, criterion_main};
use yoyaku_core::planner::{Change, Day, SlotDoses, SlotTime, VialRule, check_change, plan_day};

fn slot(start: NaiveTime, minutes: i64) -> SlotTime {
    SlotTime::new(start, start + TimeDelta::minutes(minutes)).unwrap()
}

fn at(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// 19 half-hour slots, 08:30–18:00, holding 600 doses (32 in the first 11, 31 in the rest).
fn busy_day() -> Day {
    Day::new((0..19).map(|i| SlotDoses {
        slot: slot(at(8, 30) + TimeDelta::minutes(30 * i), 30),
        doses: if i < 11 { 32 } else { 31 },
    }))
}

fn planner(c: &mut Criterion) {
    let day = busy_day();
    let rule = VialRule::new(6, TimeDelta::hours(6)).unwrap();
    assert_eq!(day.doses(), 600);

    c.bench_function("plan_day 600 doses", |b| {
        b.iter(|| plan_day(black_box(&day), rule))
    });

    let feasible = Change::Move {
        from: slot(at(8, 30), 30),
        to: slot(at(17, 30), 30),
    };
    assert!(check_change(&day, feasible, rule).unwrap().is_feasible());
    c.bench_function("check_change move, feasible", |b| {
        b.iter(|| check_change(black_box(&day), feasible, rule))
    });

    // No slot starts late enough to share a vial with 23:30–23:45: a vial of its own, and every
    // other slot of the day tried as a target.
    let infeasible = Change::Move {
        from: slot(at(8, 30), 30),
        to: slot(at(23, 30), 15),
    };
    let check = check_change(&day, infeasible, rule).unwrap();
    assert!(!check.is_feasible() && !check.targets.is_empty());
    c.bench_function("check_change move, infeasible with targets", |b| {
        b.iter(|| check_change(black_box(&day), infeasible, rule))
    });
}

criterion_group!(benches, planner);
criterion_main!(benches);
