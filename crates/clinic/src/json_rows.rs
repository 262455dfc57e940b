//! Lists read from the cache as one JSON array that SQLite builds. sqlx hands a query's rows over
//! one at a time from its SQLite thread, copying each and decoding its columns by name: about
//! 10 µs a row, so a list of a hundred rows costs a millisecond. One JSON value costs one hand-over
//! and a serde parse. For the lists a use case or a search reads; single rows stay plain queries.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteArguments;

use crate::error::{ClinicError, Result};

/// `select` wrapped so that it returns one text value: its rows as a JSON array of objects keyed by
/// `columns` (names `select` gives its columns), in `select`'s order. SQLite keeps a FROM-clause
/// subquery's ORDER BY when the outer query uses an aggregate other than count, min or max.
pub(crate) fn wrap(columns: &[&str], select: &str) -> String {
    let fields: Vec<String> = columns.iter().map(|c| format!("'{c}', \"{c}\"")).collect();
    format!(
        "SELECT coalesce(json_group_array(json_object({})), '[]') FROM ({select})",
        fields.join(", ")
    )
}

/// Runs a query made by [`wrap`] with its arguments, and parses its rows.
pub(crate) async fn fetch<T: DeserializeOwned>(
    db: &mut SqliteConnection,
    sql: &str,
    arguments: SqliteArguments<'_>,
) -> Result<Vec<T>> {
    // Runtime query: its SQL is what `wrap` built.
    let json: String = sqlx::query_scalar_with(sql, arguments)
        .fetch_one(db)
        .await?;
    serde_json::from_str(&json).map_err(|e| ClinicError::Internal(format!("cached rows: {e}")))
}

/// SQLite has no boolean: a 0/1 column arrives as a number.
pub(crate) fn bool_from_int<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<bool, D::Error> {
    Ok(i64::deserialize(d)? != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Arguments;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Row {
        n: i64,
        word: Option<String>,
        #[serde(deserialize_with = "bool_from_int")]
        flag: bool,
    }

    #[tokio::test]
    async fn rows_keep_their_order_types_and_nulls_and_none_is_an_empty_list() {
        let mut db: SqliteConnection = sqlx::Connection::connect("sqlite::memory:").await.unwrap();
        let select = "SELECT value AS n, CASE WHEN value > 1 THEN 'two' END AS word,
                             value % 2 AS flag
                      FROM json_each('[3, 1, 2]') WHERE value >= ? ORDER BY value DESC";
        let sql = wrap(&["n", "word", "flag"], select);
        let mut arguments = SqliteArguments::default();
        arguments.add(1).unwrap();
        let rows: Vec<Row> = fetch(&mut db, &sql, arguments).await.unwrap();
        let row = |n, word: Option<&str>, flag| Row {
            n,
            word: word.map(str::to_owned),
            flag,
        };
        assert_eq!(
            rows,
            vec![
                row(3, Some("two"), true),
                row(2, Some("two"), false),
                row(1, None, true)
            ]
        );
        let mut arguments = SqliteArguments::default();
        arguments.add(9).unwrap();
        let none: Vec<Row> = fetch(&mut db, &sql, arguments).await.unwrap();
        assert!(none.is_empty());
    }
}
