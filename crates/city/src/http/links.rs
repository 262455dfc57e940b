//! The OpenAPI links from an operation's answer to the operations it makes possible: a booking
//! to its cancellation, change, check-in …; an account, a period or a report to what the city
//! does next with it. A client (or a stateful API test) follows them without knowing the paths.
//!
//! They are written into the document's JSON: utoipa 5.5's `Link` serializes its fields in snake
//! case (`operation_id`), which no client reads.

use serde_json::{Map, Value, json};

/// From the successful answers of operations to others, each taking the same parameters.
struct Follows {
    from: &'static [&'static str],
    to: &'static [&'static str],
    /// Each target's parameter and the runtime expression that fills it.
    parameters: &'static [(&'static str, &'static str)],
}

const FOLLOWS: &[Follows] = &[
    Follows {
        from: &["create"],
        to: &[
            "cancel",
            "change",
            "check_in",
            "no_show",
            "same_day_move",
            "vaccination",
        ],
        parameters: &[("id", "$response.body#/booking/id")],
    },
    Follows {
        from: &["register"],
        to: &["detail"],
        parameters: &[
            ("municipality_code", "$request.path.municipality_code"),
            ("ticket_number", "$request.path.ticket_number"),
        ],
    },
    Follows {
        from: &["enter"],
        to: &["place"],
        parameters: &[("token", "$response.body#/token")],
    },
    Follows {
        from: &["join_waitlist"],
        to: &["withdraw_from_waitlist"],
        parameters: &[("id", "$response.body#/id")],
    },
    Follows {
        from: &["create_account"],
        to: &["lock_account", "unlock_account", "reset_password"],
        parameters: &[("account_id", "$response.body#/account_id")],
    },
    Follows {
        from: &["create_period"],
        to: &["period_overview", "open_period"],
        parameters: &[("number", "$response.body#/number")],
    },
    Follows {
        from: &["enter_report", "import_report_file"],
        to: &["confirm_report", "send_back_report", "set_up_report"],
        parameters: &[("id", "$response.body#/report_id")],
    },
];

/// `openapi` (the document as JSON) with the links of [`FOLLOWS`] on every successful answer of
/// their source.
pub(super) fn add_to(openapi: &mut Value) {
    for operation in operations(openapi) {
        let Some(follows) = FOLLOWS
            .iter()
            .find(|f| f.from.iter().any(|from| operation["operationId"] == *from))
        else {
            continue;
        };
        let parameters: Map<String, Value> = follows
            .parameters
            .iter()
            .map(|(name, expression)| ((*name).to_owned(), json!(expression)))
            .collect();
        let Some(responses) = operation["responses"].as_object_mut() else {
            continue;
        };
        for (_, response) in responses.iter_mut().filter(|(s, _)| s.starts_with('2')) {
            let links = response
                .as_object_mut()
                .expect("a response is an object")
                .entry("links")
                .or_insert_with(|| json!({}));
            for target in follows.to {
                links[*target] = json!({"operationId": target, "parameters": parameters});
            }
        }
    }
}

/// Every operation object of the document.
fn operations(openapi: &mut Value) -> impl Iterator<Item = &mut Value> {
    openapi["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter(|operation| operation.get("operationId").is_some())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Operation ids are unique, and every link names operations that exist, filling exactly the
    /// target's path parameters.
    #[test]
    fn every_link_names_an_operation_and_fills_its_path_parameters() {
        let mut openapi = serde_json::to_value(super::super::routes().into_openapi()).unwrap();
        let mut path_parameters = BTreeMap::new();
        for operation in operations(&mut openapi) {
            let mut names: Vec<String> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            names.sort();
            let id = operation["operationId"].as_str().unwrap().to_owned();
            assert!(
                path_parameters.insert(id.clone(), names).is_none(),
                "two operations are {id}: a link could not tell them apart"
            );
        }
        for follows in FOLLOWS {
            for from in follows.from {
                assert!(path_parameters.contains_key(*from), "no operation {from}");
            }
            let mut filled: Vec<String> = follows
                .parameters
                .iter()
                .map(|(n, _)| (*n).into())
                .collect();
            filled.sort();
            for target in follows.to {
                let wanted = path_parameters
                    .get(*target)
                    .unwrap_or_else(|| panic!("no operation {target}"));
                assert_eq!(&filled, wanted, "{:?} → {target}", follows.from);
            }
        }
        add_to(&mut openapi);
        assert_eq!(
            openapi["paths"]["/api/v1/bookings"]["post"]["responses"]["201"]["links"]["cancel"],
            json!({"operationId": "cancel", "parameters": {"id": "$response.body#/booking/id"}})
        );
    }
}
